"""Drives a running snapjobs-server through Alibaba Cloud's official Python SDK for ICE
(alibabacloud-ice20201109), and exits non-zero at the first answer that is not the expected one.

    python check_sdk.py PORT KEYS_FILE

KEYS_FILE is the server's AccessKey file: the first two keys of different accounts are used.
"""
import sys
from datetime import datetime, timedelta, timezone

from alibabacloud_ice20201109 import models
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi import models as open_api_models

PORT, KEYS_FILE = int(sys.argv[1]), sys.argv[2]


def read_keys(path):
    keys = []
    for line in open(path, encoding="utf-8"):
        fields = line.split("#")[0].split()
        if fields:
            keys.append(tuple(fields))
    return keys


def client(key_id, secret):
    config = open_api_models.Config(
        access_key_id=key_id,
        access_key_secret=secret,
        endpoint=f"127.0.0.1:{PORT}",
        protocol="http",
        region_id="cn-shanghai",
    )
    return Client(config)


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def expect_error(call, code, status, what):
    try:
        call()
    except Exception as error:  # the SDK raises ClientException (4xx) with the server's Code
        got_code = getattr(error, "code", None)
        got_status = getattr(error, "status_code", None)
        check(got_code == code and got_status == status,
              f"{what}: {code} {status} (got {got_code} {got_status})")
        return
    sys.exit(f"FAILED: {what}: no error raised")


keys = read_keys(KEYS_FILE)
first = keys[0]
other = next(k for k in keys if k[2] != first[2])
ice = client(first[0], first[1])
stranger = client(other[0], other[1])

# Submit, get, command, list.
names = [f"cctv5-sports-live-{i:04d}" for i in range(23)] + ["news_beijing_20240612", "Beijing-ONE"]
submitted = []
for name in names:
    answer = ice.submit_live_snapshot_job(models.SubmitLiveSnapshotJobRequest(
        job_name=name,
        template_id="tpl-0001",
        callback_url="http://example.com/callback",
        stream_input=models.SubmitLiveSnapshotJobRequestStreamInput(
            type="rtmp", url="rtmp://example.com/live/stream"),
        snapshot_output=models.SubmitLiveSnapshotJobRequestSnapshotOutput(
            bucket="snapshots", endpoint="oss-cn-shanghai.aliyuncs.com", storage_type="oss"),
    ))
    check(bool(answer.body.job_id) and bool(answer.body.request_id), f"submit {name}")
    submitted.append(answer.body.job_id)

job_id = submitted[-1]
job = ice.get_live_snapshot_job(models.GetLiveSnapshotJobRequest(job_id=job_id)).body
check(job.job_id == job_id and job.job_name == "Beijing-ONE" and job.status == "init"
      and job.template_id == "tpl-0001" and job.callback_url == "http://example.com/callback"
      and job.stream_input.url == "rtmp://example.com/live/stream"
      and job.snapshot_output.bucket == "snapshots"
      and job.snapshot_output.endpoint == "oss-cn-shanghai.aliyuncs.com"
      and job.snapshot_output.storage_type == "oss" and job.create_time.endswith("Z"),
      "get returns the submitted job")

ice.send_live_snapshot_job_command(models.SendLiveSnapshotJobCommandRequest(job_id=job_id, command="start"))
check(ice.get_live_snapshot_job(models.GetLiveSnapshotJobRequest(job_id=job_id)).body.status == "started",
      "start makes the job started")
expect_error(lambda: ice.send_live_snapshot_job_command(
    models.SendLiveSnapshotJobCommandRequest(job_id=job_id, command="start")),
    "JobAlreadyStarted", 409, "start on a started job")
ice.send_live_snapshot_job_command(models.SendLiveSnapshotJobCommandRequest(job_id=job_id, command="stop"))
check(ice.get_live_snapshot_job(models.GetLiveSnapshotJobRequest(job_id=job_id)).body.status == "paused",
      "stop makes the job paused")
ice.send_live_snapshot_job_command(models.SendLiveSnapshotJobCommandRequest(job_id=job_id, command="restart"))

now = datetime.now(timezone.utc)
fmt = "%Y-%m-%dT%H:%M:%SZ"
start, end = (now - timedelta(days=1)).strftime(fmt), (now + timedelta(days=1)).strftime(fmt)

# A listing with no parameter: the last 7 days, newest first, 10 a page.
plain = ice.list_live_snapshot_jobs(models.ListLiveSnapshotJobsRequest()).body
check(plain.total_count == len(names) and plain.page_no == 1 and plain.page_size == 10
      and plain.sort_by == "desc" and len(plain.job_list) == 10, "list with no parameter")

# A listing with every parameter.
full = ice.list_live_snapshot_jobs(models.ListLiveSnapshotJobsRequest(
    start_time=start, end_time=end, status="started", search_key_word="beijing",
    page_no=1, page_size=5, sort_by="asc")).body
check(full.total_count == 1 and [j.job_id for j in full.job_list] == [job_id]
      and full.job_list[0].job_name == "Beijing-ONE" and full.sort_by == "asc"
      and full.page_size == 5, "list with every parameter")
by_id = ice.list_live_snapshot_jobs(models.ListLiveSnapshotJobsRequest(search_key_word=submitted[0])).body
check(by_id.total_count == 1 and by_id.job_list[0].job_id == submitted[0], "keyword equal to a JobId")

# Paging through every page of a result.
seen = []
page_no = 1
while True:
    page = ice.list_live_snapshot_jobs(models.ListLiveSnapshotJobsRequest(
        start_time=start, end_time=end, search_key_word="LIVE", page_no=page_no, page_size=4,
        sort_by="asc")).body
    check(page.total_count == 23, f"page {page_no}: TotalCount 23")
    if not page.job_list:
        break
    seen.extend(j.job_id for j in page.job_list)
    page_no += 1
check(len(seen) == 23 and len(set(seen)) == 23 and set(seen) == set(submitted[:23]),
      "the pages hold every match once")
times = [(j.create_time, j.job_id) for j in ice.list_live_snapshot_jobs(models.ListLiveSnapshotJobsRequest(
    page_size=100, sort_by="asc")).body.job_list]
check(times == sorted(times), "asc is CreateTime then JobId order")

# Each 400 error code of the API, as the SDK raises it.
for request, code in [
    (models.ListLiveSnapshotJobsRequest(start_time="2024-13-01T00:00:00Z"), "MalformedStartTime"),
    (models.ListLiveSnapshotJobsRequest(start_time=start, end_time="yesterday"), "MalformedEndTime"),
    (models.ListLiveSnapshotJobsRequest(start_time=end, end_time=start), "EndTimeMismatch"),
    (models.ListLiveSnapshotJobsRequest(page_size=101), "InvalidParameter"),
    (models.ListLiveSnapshotJobsRequest(status="running"), "InvalidParameter"),
]:
    expect_error(lambda: ice.list_live_snapshot_jobs(request), code, 400, f"list {request.to_map()}")
expect_error(lambda: ice.get_live_snapshot_job(models.GetLiveSnapshotJobRequest()),
             "MissingParameter", 400, "get without JobId")
expect_error(lambda: ice.submit_live_snapshot_job(models.SubmitLiveSnapshotJobRequest(job_name="x")),
             "MissingParameter", 400, "submit without TemplateId")
expect_error(lambda: ice.send_live_snapshot_job_command(
    models.SendLiveSnapshotJobCommandRequest(job_id=job_id, command="pause")),
    "InvalidParameter", 400, "an unknown command")
expect_error(lambda: ice.get_live_snapshot_job(models.GetLiveSnapshotJobRequest(job_id="no-such-job")),
             "JobNotFound", 404, "get of an unknown job")

# Another account's key sees nothing of the first's.
theirs = stranger.list_live_snapshot_jobs(models.ListLiveSnapshotJobsRequest(page_size=100)).body
check(not set(j.job_id for j in theirs.job_list) & set(submitted), "another account lists none of these jobs")
expect_error(lambda: stranger.get_live_snapshot_job(models.GetLiveSnapshotJobRequest(job_id=job_id)),
             "JobNotFound", 404, "another account cannot get the job")
expect_error(lambda: stranger.send_live_snapshot_job_command(
    models.SendLiveSnapshotJobCommandRequest(job_id=job_id, command="stop")),
    "JobNotFound", 404, "another account cannot command the job")

# A wrong secret, an unknown key.
expect_error(lambda: client(first[0], first[1] + "x").list_live_snapshot_jobs(
    models.ListLiveSnapshotJobsRequest()), "SignatureDoesNotMatch", 400, "a wrong secret")
expect_error(lambda: client("LTAIunknown", "secret").list_live_snapshot_jobs(
    models.ListLiveSnapshotJobsRequest()), "InvalidAccessKeyId.NotFound", 404, "an unknown AccessKey")
print("sdk check: all passed")
