//! Exit statuses, documented in `docs/cli.md`.

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command did what was asked; warnings may have been printed.
    Success,
    /// The input was valid but the architecture gate found violations.
    Violations,
    /// The input or the invocation was wrong; nothing was written.
    InputError,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Violations => 1,
            ExitStatus::InputError => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_docs() {
        assert_eq!(ExitStatus::Success.code(), 0);
        assert_eq!(ExitStatus::Violations.code(), 1);
        assert_eq!(ExitStatus::InputError.code(), 2);
    }
}
