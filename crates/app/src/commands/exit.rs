//! How the outcome of a command becomes the exit code of `zinc`.

/// How `zinc` exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// Done.
    Success = 0,
    /// The input was refused (an import rejected): the user's data needs fixing.
    Rejected = 1,
    /// A skip-invalid import wrote the valid sales and rejected others.
    Partial = 4,
    /// Zinc could not do its job (database unreachable, file unreadable, bad configuration).
    Failure = 3,
}

impl ExitStatus {
    /// The worse of two outcomes: could not run, then rejected, then partly done, then done.
    pub fn worse(self, other: ExitStatus) -> ExitStatus {
        let rank = |status: ExitStatus| match status {
            ExitStatus::Success => 0,
            ExitStatus::Partial => 1,
            ExitStatus::Rejected => 2,
            ExitStatus::Failure => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}
