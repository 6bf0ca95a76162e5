//! [`PerStatus`]: one value for each [`Status`], reached by the status itself.

use crate::job::Status;

/// A value for each status, in [`Status::ALL`] order. Reached by a `match` on the status, so
/// no lookup can miss.
#[derive(Clone, Debug, Default)]
pub(crate) struct PerStatus<T>([T; 3]);

impl<T> PerStatus<T> {
    /// The value of `status`.
    pub(crate) fn get(&self, status: Status) -> &T {
        let [init, paused, started] = &self.0;
        match status {
            Status::Init => init,
            Status::Paused => paused,
            Status::Started => started,
        }
    }

    /// The value of `status`, to change.
    pub(crate) fn get_mut(&mut self, status: Status) -> &mut T {
        let [init, paused, started] = &mut self.0;
        match status {
            Status::Init => init,
            Status::Paused => paused,
            Status::Started => started,
        }
    }

    /// Each value, with its status, in [`Status::ALL`] order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Status, &T)> {
        Status::ALL.into_iter().zip(&self.0)
    }

    /// Each value turned by `f`.
    pub(crate) fn map<U>(self, f: impl FnMut(T) -> U) -> PerStatus<U> {
        PerStatus(self.0.map(f))
    }
}
