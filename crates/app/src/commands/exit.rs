//! How the outcome of a command becomes the exit code of `zinc`.

/// How `zinc` exits. Several outcomes share a code ([`ExitStatus::code`], as the README's
/// command-line section documents them), each keeping its own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done.
    Success,
    /// The input was refused (an import rejected, a key's name taken or unknown, an import's
    /// number unknown): the user's data needs fixing.
    Rejected,
    /// `zinc probe`: the server did not answer 200.
    Unhealthy,
    /// `zinc rollups verify`: the stored rollups differ from the orders.
    Differs,
    /// A skip-invalid import wrote the valid sales and rejected others.
    Partial,
    /// Zinc could not do its job (database unreachable, file unreadable, bad configuration).
    Failure,
}

impl ExitStatus {
    /// The process's exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Rejected | ExitStatus::Unhealthy | ExitStatus::Differs => 1,
            ExitStatus::Failure => 3,
            ExitStatus::Partial => 4,
        }
    }

    /// The worse of two outcomes of an import: could not run, then rejected, then partly
    /// done, then done.
    pub fn worse(self, other: ExitStatus) -> ExitStatus {
        let rank = |status: ExitStatus| match status {
            ExitStatus::Success => 0,
            ExitStatus::Partial => 1,
            ExitStatus::Rejected | ExitStatus::Unhealthy | ExitStatus::Differs => 2,
            ExitStatus::Failure => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        let codes = [
            ExitStatus::Success,
            ExitStatus::Rejected,
            ExitStatus::Unhealthy,
            ExitStatus::Differs,
            ExitStatus::Failure,
            ExitStatus::Partial,
        ]
        .map(ExitStatus::code);
        assert_eq!(codes, [0, 1, 1, 1, 3, 4]);
    }
}
