//! Diagnostics: stable codes, severities, source spans and messages for every problem
//! Faultline finds in a user's files.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// A byte range in the source text a diagnostic points at.
pub type Span = Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

macro_rules! codes {
    ($($variant:ident => ($code:literal, $summary:literal),)*) => {
        /// Every diagnostic code Faultline can emit. Codes are stable: a code, once
        /// published, is never reused for a different problem.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in messages and docs, e.g. `FL-T013`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// A one-line description of the problem the code stands for.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }
        }
    };
}

codes! {
    // Topology files.
    TomlSyntax => ("FL-T001", "the file is not valid TOML"),
    WrongType => ("FL-T002", "a key has the wrong type or a required key is missing"),
    UnknownKey => ("FL-T003", "unknown key"),
    UnsupportedVersion => ("FL-T004", "unsupported format version"),
    UnknownRegion => ("FL-T005", "region not in the catalog"),
    UnknownZone => ("FL-T006", "zone not in its region"),
    HomeRegionNotCandidate => ("FL-T007", "home region is not one of the candidate regions"),
    UnknownFamily => ("FL-T008", "instance family not in the catalog"),
    UnknownInstanceType => ("FL-T009", "instance type not in the catalog or not offered in the region"),
    UnknownService => ("FL-T010", "reference to a service that is not defined"),
    DependencyCycle => ("FL-T011", "services depend on each other in a cycle"),
    UnknownJourneyStep => ("FL-T012", "journey step names a service that is not defined"),
    AvailabilityOutOfRange => ("FL-T013", "availability target outside (0, 1)"),
    InvalidDuration => ("FL-T014", "duration is malformed or negative"),
    QuorumTooSmall => ("FL-T015", "quorum group with fewer than 3 replicas"),
    QuorumEven => ("FL-T016", "quorum group with an even number of replicas"),
    NonPositiveDemand => ("FL-T017", "demand or size is not positive"),
    SpotShareOutOfRange => ("FL-T018", "spot share outside [0, 1]"),
    ProfileLength => ("FL-T019", "demand profile does not have 24 hourly factors"),
    ProfileFactor => ("FL-T020", "demand profile factor outside [0, 1]"),
    UnknownProfileShape => ("FL-T021", "unknown demand profile shape"),
    KeyNotForKind => ("FL-T022", "key does not apply to this kind of service"),
    MissingKindKey => ("FL-T023", "a key this kind of service needs is missing"),
    ConsistencyConflict => ("FL-T024", "consistency conflicts with the service kind"),
    FractionOutOfRange => ("FL-T025", "fraction outside its allowed range"),
    FlashCrowdTooLow => ("FL-T026", "flash-crowd multiplier below 1"),
    PlacementUnknownService => ("FL-T027", "placement for a service that is not defined"),
    PlacementInvalid => ("FL-T028", "placement group is inconsistent"),
    InvalidName => ("FL-T029", "name is not a valid identifier"),
    DuplicateName => ("FL-T030", "name defined twice"),
    ResidencyConflict => ("FL-T031", "allowed regions exclude every candidate region or name a non-candidate"),
    NonPositiveMoney => ("FL-T032", "budget or price is not positive"),
    HorizonInvalid => ("FL-T033", "planning horizon is not a whole number of months between 1 and 120"),
    SurvivalImpossible => ("FL-T034", "the failure to survive cannot be survived with the candidate regions or zones"),
    NegativeRate => ("FL-T035", "failure-model override is negative"),
    CompensationInvalid => ("FL-T036", "compensation step names a step not in the journey"),
    ArchFamilyConflict => ("FL-T037", "allowed families do not match the allowed architectures"),
    UnsupportedCloud => ("FL-T038", "unsupported cloud"),
    NoServices => ("FL-T039", "topology defines no services"),
    UnknownKind => ("FL-T040", "unknown service kind"),
    UnknownEnumValue => ("FL-T041", "value is not one of the allowed words"),
    SelfDependency => ("FL-T042", "service depends on itself"),
    PlacementMissing => ("FL-T043", "placement does not cover a service"),
    // Catalog files.
    CatalogSyntax => ("FL-C001", "the catalog file is not valid TOML or has the wrong shape"),
    CatalogUnknownKey => ("FL-C002", "unknown key in the catalog"),
    CatalogVersion => ("FL-C003", "unsupported catalog version"),
    CatalogUnknownSource => ("FL-C004", "catalog figure cites a source that is not defined"),
    CatalogUnknownRef => ("FL-C005", "catalog names a region or instance type it does not define"),
    CatalogBadValue => ("FL-C006", "catalog value out of range"),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A secondary location that helps explain a diagnostic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in a user's file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Dotted path of the key the problem is about, e.g. `services.web.slo.availability`.
    pub key: Option<String>,
    pub message: String,
    /// Where the problem is; `None` for whole-file problems.
    pub span: Option<Span>,
    /// Other places that explain it.
    pub labels: Vec<Label>,
    /// What to do about it (a did-you-mean, the expected form).
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            key: None,
            message: message.into(),
            span: None,
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by position so output follows the file top to bottom.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let pos = |d: &Diagnostic| d.span.as_ref().map_or(0, |s| s.start);
        pos(a).cmp(&pos(b)).then(a.code.cmp(&b.code))
    });
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            let s = code.as_str();
            assert!(s.len() == 7 && s.starts_with("FL-"), "bad code {s}");
            assert!(!code.summary().is_empty());
        }
    }

    #[test]
    fn line_col_is_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }
}
