//! Deterministic synthetic jobs for the benchmarks and the demo.
//!
//! - `CreateTime` uniform over 180 days from 2024-01-01;
//! - statuses 60% started, 25% paused, 15% init;
//! - 32-hex job ids, unique (the first half is a bijection of the job's number);
//! - names of 2 to 4 words from a pool of about 3,000 (cities, topics, media terms, Chinese
//!   words, and generated words) drawn with skewed frequencies, joined by separators, often
//!   with a number, sometimes upper-cased, so that 2- to 8-character keywords range from very
//!   rare to very common;
//! - 50 templates, a few endpoints and buckets.
//!
//! A second data set, [`Names::Realistic`], has the same times, statuses and ids, and names
//! as operators of live streams write them: channel and stream names with numbers
//! (`cctv5-sports-live-0042`), dates (`news_beijing_20240612`), numbered series
//! (`weekly talk beijing EP137`), ids embedded in names (`room_8f3a91c2_hd`), words, some Chinese;
//! 8 to 60 bytes, about 30 on average. Its numbers and dates make many distinct grams.
#![allow(dead_code)]

use snapjobs::{Job, Status, Timestamp};

/// 2024-01-01T00:00:00Z.
pub const BASE_TIME: i64 = 1_704_067_200;
/// The span of CreateTimes.
pub const SPAN_SECONDS: i64 = 180 * 86_400;

/// SplitMix64: a fast, well-mixed generator whose step is a bijection of its state.
#[derive(Clone, Debug)]
pub struct Rng(u64);

pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Skewed towards 0: index `floor(n * u^4)`, so the first words are far more common.
    pub fn skewed(&mut self, n: usize) -> usize {
        ((n as f64) * self.unit().powi(4)) as usize
    }
}

const CITIES: &[&str] = &[
    "beijing",
    "shanghai",
    "hangzhou",
    "shenzhen",
    "guangzhou",
    "chengdu",
    "wuhan",
    "xian",
    "nanjing",
    "tianjin",
    "chongqing",
    "suzhou",
    "qingdao",
    "dalian",
    "xiamen",
    "kunming",
    "harbin",
    "jinan",
    "changsha",
    "hefei",
    "fuzhou",
    "ningbo",
    "wuxi",
    "shenyang",
    "zhengzhou",
    "singapore",
    "tokyo",
    "seoul",
    "london",
    "paris",
    "berlin",
    "madrid",
    "sydney",
    "dubai",
    "mumbai",
    "jakarta",
    "bangkok",
    "manila",
    "hanoi",
    "toronto",
    "chicago",
    "boston",
];
pub const TOPICS: &[&str] = &[
    "news",
    "sports",
    "finance",
    "weather",
    "music",
    "concert",
    "esports",
    "football",
    "basketball",
    "tennis",
    "gala",
    "show",
    "talk",
    "lecture",
    "class",
    "church",
    "wedding",
    "auction",
    "launch",
    "keynote",
    "summit",
    "festival",
    "parade",
    "market",
    "traffic",
    "airport",
    "station",
    "studio",
    "stage",
    "arena",
    "campus",
    "museum",
    "zoo",
    "park",
];
const MEDIA: &[&str] = &[
    "live", "stream", "cam", "camera", "feed", "channel", "hd", "4k", "uhd", "backup", "main",
    "replay", "snapshot", "preview", "record", "relay", "mobile", "web", "tv", "radio", "vod",
];
const CHINESE: &[&str] = &[
    "直播",
    "新闻",
    "体育",
    "财经",
    "天气",
    "音乐",
    "演唱会",
    "电竞",
    "足球",
    "篮球",
    "晚会",
    "北京",
    "上海",
    "杭州",
    "深圳",
    "广州",
    "成都",
    "武汉",
    "西安",
    "南京",
    "频道",
    "高清",
    "备用",
    "主路",
    "回放",
    "预览",
    "录制",
    "发布会",
    "课堂",
    "讲座",
    "春晚",
    "赛事",
    "现场",
    "监控",
    "机场",
    "车站",
    "展会",
    "论坛",
    "峰会",
    "节目",
];
const SYLLABLES: &[&str] = &[
    "ka", "ri", "to", "mo", "zen", "lu", "pa", "shi", "qo", "vex", "dra", "nim", "sol", "tur",
    "bel", "cor", "fin", "gro", "hul", "jex", "kir", "lom", "mar", "nox", "oru", "pel", "quo",
    "ras", "sev", "tol", "umb", "vir", "wex", "yal", "zor",
];
const SEPARATORS: &[&str] = &["-", "-", "-", "_", " ", "", "."];

/// The word pool, most frequent first: real words, then generated ones.
pub fn word_pool() -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    // Interleave the lists so that each kind has common and rare members.
    let lists = [MEDIA, TOPICS, CITIES, CHINESE];
    let longest = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    for i in 0..longest {
        for list in lists {
            if let Some(word) = list.get(i) {
                words.push((*word).to_owned());
            }
        }
    }
    let mut rng = Rng::new(7);
    let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
    while words.len() < 3_000 {
        let syllables = 2 + rng.below(2) as usize;
        let word: String = (0..syllables)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// How a data set's jobs are named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// Words from the pool, skewed, with separators and numbers.
    Synthetic,
    /// Names as operators write them: channels, dates, series, embedded ids.
    Realistic,
}

impl Names {
    /// The data set's name in bench ids and reports.
    pub fn label(self) -> &'static str {
        match self {
            Names::Synthetic => "synthetic",
            Names::Realistic => "realistic",
        }
    }
}

const CHANNELS: &[&str] = &[
    "cctv", "cctv", "cctv", "hunan", "zhejiang", "dragon", "jiangsu", "btv", "cgtn", "phoenix",
    "tvb", "star", "espn", "nba", "cba", "lpl", "kpl", "douyu", "huya", "bili",
];
const QUALITIES: &[&str] = &["hd", "sd", "uhd", "4k", "1080p", "720p", "backup", "main"];

/// Job `i` of the data set seeded `seed`.
pub struct Generator {
    rng: Rng,
    words: Vec<String>,
    seed: u64,
    names: Names,
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        Generator::named(seed, Names::Synthetic)
    }

    pub fn named(seed: u64, names: Names) -> Generator {
        Generator {
            rng: Rng::new(seed),
            words: word_pool(),
            seed,
            names,
        }
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.below(list.len() as u64) as usize]
    }

    fn word(&mut self) -> String {
        self.words[self.rng.skewed(self.words.len())].clone()
    }

    /// A name as an operator writes one, 8 to 60 bytes.
    pub fn realistic_name(&mut self) -> String {
        let day = day(self.rng.below(180) as i64).to_string();
        let date = day.get(..10).unwrap_or("2024-01-01").replace('-', "");
        let city = self.pick(CITIES);
        let topic = self.pick(TOPICS);
        let quality = self.pick(QUALITIES);
        let name = match self.rng.below(10) {
            // A channel's numbered stream: `cctv5-sports-live-0042`.
            0..3 => {
                let channel = self.pick(CHANNELS);
                let number = self.rng.below(20);
                let stream = self.rng.below(10_000);
                format!("{channel}{number}-{topic}-live-{stream:04}")
            }
            // A dated programme: `news_beijing_20240612`, sometimes with a quality.
            3..5 => {
                if self.rng.below(2) == 0 {
                    format!("{topic}_{city}_{date}")
                } else {
                    format!("{topic}_{city}_{date}_{quality}")
                }
            }
            // A numbered series: `Weekly Talk Beijing EP137`.
            5 => {
                let word = self.word();
                let episode = self.rng.below(400);
                format!("{word} {topic} {city} EP{episode:03}")
            }
            // An id embedded: `room_8f3a91c2_hd`, `user-30918273-live`.
            6 => {
                let id = self.rng.next_u64();
                if self.rng.below(2) == 0 {
                    format!("room_{:08x}_{quality}", id as u32)
                } else {
                    format!("user-{}-live-{city}", id % 1_000_000_000)
                }
            }
            // Words.
            7..9 => {
                let count = 3 + self.rng.below(3) as usize;
                let words: Vec<String> = (0..count).map(|_| self.word()).collect();
                format!("{} {}", words.join(" "), self.rng.below(100))
            }
            // Chinese, with a date or a number.
            _ => {
                let a = self.pick(CHINESE);
                let b = self.pick(CHINESE);
                format!("{a}{b}直播_{date}_{}", self.rng.below(100))
            }
        };
        let mut name = match self.rng.below(10) {
            0 => name.to_ascii_uppercase(),
            _ => name,
        };
        while name.len() < 8 {
            name.push('0');
        }
        // At most 60 bytes, cut at a character boundary.
        let mut end = name.len().min(60);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
        name
    }

    pub fn name(&mut self) -> String {
        if self.names == Names::Realistic {
            return self.realistic_name();
        }
        let count = 2 + self.rng.below(3) as usize;
        let separator = SEPARATORS[self.rng.below(SEPARATORS.len() as u64) as usize];
        let mut parts: Vec<String> = (0..count)
            .map(|_| self.words[self.rng.skewed(self.words.len())].clone())
            .collect();
        if self.rng.below(10) < 6 {
            parts.push(format!("{:02}", self.rng.below(100)));
        }
        let mut name = parts.join(separator);
        match self.rng.below(10) {
            0 => name = name.to_ascii_uppercase(),
            1 => {
                if let Some(first) = name.get(..1) {
                    name = first.to_ascii_uppercase() + &name[1..];
                }
            }
            _ => {}
        }
        name.chars().take(snapjobs::MAX_NAME_CHARS).collect()
    }

    pub fn job(&mut self, i: u64) -> Job {
        let at = BASE_TIME + self.rng.below(SPAN_SECONDS as u64) as i64;
        self.job_at(i, Timestamp::from_unix(at).unwrap())
    }

    /// Job `i`, created at `at`.
    pub fn job_at(&mut self, i: u64, at: Timestamp) -> Job {
        let id = format!(
            "{:016x}{:016x}",
            mix(i ^ self.seed.rotate_left(32)),
            self.rng.next_u64()
        );
        let status = match self.rng.below(100) {
            0..60 => Status::Started,
            60..85 => Status::Paused,
            _ => Status::Init,
        };
        let template = self.rng.below(50);
        let name = self.name();
        let region = ["shanghai", "beijing", "hangzhou", "shenzhen"][self.rng.below(4) as usize];
        Job::builder(&id, at)
            .name(&name)
            .status(status)
            .template(
                &format!("tpl-{template:02}"),
                &format!("template {template}"),
            )
            .output(
                &format!("oss-cn-{region}.aliyuncs.com"),
                ["snapshots", "media", "archive"][self.rng.below(3) as usize],
            )
            .time_interval([5, 10, 30, 60][self.rng.below(4) as usize])
            .build()
            .unwrap()
    }
}

/// `n` jobs from seed `seed`.
pub fn jobs(n: usize, seed: u64) -> Vec<Job> {
    named_jobs(n, seed, Names::Synthetic)
}

/// `n` jobs from seed `seed`, named as `names` says.
pub fn named_jobs(n: usize, seed: u64, names: Names) -> Vec<Job> {
    let mut generator = Generator::named(seed, names);
    (0..n as u64).map(|i| generator.job(i)).collect()
}

/// A timestamp `days` after the start of the data.
pub fn day(days: i64) -> Timestamp {
    Timestamp::from_unix(BASE_TIME + days * 86_400).unwrap()
}

/// The share of `jobs` whose names contain `keyword` (ASCII case-insensitive).
pub fn share(jobs: &[Job], keyword: &str) -> f64 {
    let keyword = keyword.to_ascii_lowercase();
    let hits = jobs
        .iter()
        .filter(|j| j.name().to_ascii_lowercase().contains(&keyword))
        .count();
    hits as f64 / jobs.len().max(1) as f64
}

/// Of `candidates`, the one whose share of `jobs` is nearest `target` (on a log scale), and
/// its share. Candidates no job contains are skipped.
pub fn nearest_share<'a>(
    jobs: &[Job],
    candidates: impl IntoIterator<Item = &'a str>,
    target: f64,
) -> (String, f64) {
    let sample = &jobs[..jobs.len().min(200_000)];
    candidates
        .into_iter()
        .map(|c| (c.to_owned(), share(sample, c)))
        .filter(|(_, s)| *s > 0.0)
        .min_by(|a, b| {
            let da = (a.1.ln() - target.ln()).abs();
            let db = (b.1.ln() - target.ln()).abs();
            da.total_cmp(&db)
        })
        .unwrap_or_else(|| ("live".to_owned(), 0.0))
}
