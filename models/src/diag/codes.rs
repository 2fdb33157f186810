//! The registry of every code Faultline emits: validation (`FL-T`, `FL-C`), plan
//! documents (`FL-D`), infeasibility (`FL-O`), deployments the failure model cannot
//! assess (`FL-A`), gate policy files and inline suppressions (`FL-P`) and the gate's
//! rules (`FL-G`). Each has a docs entry in `docs/findings.md`; a test keeps the two
//! in step.

use super::FileKind;

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

            /// The kind of file a diagnostic with this code points into by default.
            pub fn file(self) -> FileKind {
                match self.as_str().as_bytes()[3] {
                    b'C' => FileKind::Catalog,
                    b'D' => FileKind::Plan,
                    b'I' => FileKind::Command,
                    b'G' => FileKind::Topology,
                    b'P' => FileKind::Policy,
                    _ => FileKind::Topology,
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
    InvalidDuration => ("FL-T014", "duration is malformed, negative or out of range"),
    QuorumTooSmall => ("FL-T015", "quorum group with fewer than 3 replicas"),
    QuorumEven => ("FL-T016", "quorum group with an even number of replicas"),
    NonPositiveDemand => ("FL-T017", "demand or size is not positive or out of range"),
    SpotShareOutOfRange => ("FL-T018", "spot share outside [0, 1]"),
    ProfileLength => ("FL-T019", "demand profile does not have 24 hourly factors"),
    ProfileFactor => ("FL-T020", "demand profile factor outside [0, 1]"),
    UnknownProfileShape => ("FL-T021", "unknown demand profile shape"),
    KeyNotForKind => ("FL-T022", "key does not apply to this kind of service"),
    MissingKindKey => ("FL-T023", "a key this kind of service needs is missing"),
    ConsistencyConflict => ("FL-T024", "consistency conflicts with the service kind"),
    FractionOutOfRange => ("FL-T025", "fraction outside its allowed range"),
    FlashCrowdOutOfRange => ("FL-T026", "flash-crowd multiplier outside 1 to 100"),
    PlacementUnknownService => ("FL-T027", "placement for a service that is not defined"),
    PlacementInvalid => ("FL-T028", "placement group is inconsistent"),
    InvalidName => ("FL-T029", "name is not a valid identifier"),
    DuplicateName => ("FL-T030", "name defined twice"),
    ResidencyConflict => ("FL-T031", "allowed regions exclude every candidate region or name a non-candidate"),
    NonPositiveMoney => ("FL-T032", "budget or price is not positive or out of range"),
    HorizonInvalid => ("FL-T033", "planning horizon is not a whole number of months between 1 and 120"),
    SurvivalImpossible => ("FL-T034", "the failure to survive cannot be survived with the candidate regions or zones"),
    FailureOverrideOutOfRange => ("FL-T035", "failure-model override out of range"),
    CompensationInvalid => ("FL-T036", "compensation step names a step not in the journey"),
    ArchFamilyConflict => ("FL-T037", "allowed families do not match the allowed architectures"),
    UnsupportedCloud => ("FL-T038", "unsupported cloud"),
    NoServices => ("FL-T039", "topology defines no services"),
    UnknownKind => ("FL-T040", "unknown service kind"),
    UnknownEnumValue => ("FL-T041", "value is not one of the allowed words"),
    SelfDependency => ("FL-T042", "service depends on itself"),
    PlacementMissing => ("FL-T043", "placement does not cover a service"),
    InvalidTag => ("FL-T044", "tag key or value is not usable on AWS"),
    NegligibleDemand => ("FL-T045", "demand too small to need an instance"),
    PurchasePolicyConflict => ("FL-T046", "purchase policy contradicts itself"),
    OwnedInvalid => ("FL-T047", "owned reservation or Savings Plan is incomplete or inconsistent"),
    OwnedEnds => ("FL-T048", "owned commitment's end month is malformed, past, or beyond its term"),
    PlanStartMissing => ("FL-T049", "an owned commitment has an end month but system.start is missing"),
    PlanStartInvalid => ("FL-T050", "system.start is not a month written YYYY-MM"),
    OwnedDuplicate => ("FL-T051", "owned commitment listed twice"),
    SagaRateInvalid => ("FL-T052", "journey request rate or stranded-saga bound is invalid or lacks what it needs"),
    UsersInvalid => ("FL-T053", "a fleet's users are not shares of known regions adding up to 1"),
    LatencyBudgetMisplaced => ("FL-T054", "a latency budget is out of range or set where no call it bounds is placed"),
    // Catalog files.
    CatalogSyntax => ("FL-C001", "the catalog file is not valid TOML or has the wrong shape"),
    CatalogUnknownKey => ("FL-C002", "unknown key in the catalog"),
    CatalogVersion => ("FL-C003", "unsupported catalog version"),
    CatalogUnknownSource => ("FL-C004", "catalog figure cites a source that is not defined"),
    CatalogUnknownRef => ("FL-C005", "catalog names a region or instance type it does not define"),
    CatalogBadValue => ("FL-C006", "catalog value out of range"),
    // Plan documents read back (`--plan`, `terraform`, `report`, `check`).
    PlanMalformed => ("FL-D001", "the file is not a plan document"),
    PlanVersion => ("FL-D002", "unsupported plan format version"),
    PlanStaleTopology => ("FL-D003", "the plan was made for a different topology"),
    PlanStaleCatalog => ("FL-D004", "the plan was made with a different catalog"),
    PlanOtherSystem => ("FL-D005", "the plan is for a different system"),
    PlanUnknownRef => ("FL-D006", "the plan names a region, zone, instance type or service the catalog or topology lacks"),
    // No plan meets the topology's requirements.
    NoPlan => ("FL-O001", "the requirements of a service cannot all be met"),
    BudgetCapExceeded => ("FL-O002", "the cheapest plan meeting every SLO costs more than the cap"),
    AvailabilityUnreachable => ("FL-O003", "the availability target cannot be reached"),
    RecoveryUnreachable => ("FL-O004", "no DR pattern meets the recovery targets"),
    QuorumImpossible => ("FL-O005", "no quorum placement meets the survival and commit-latency rules"),
    NoCapacity => ("FL-O006", "no instance type or fleet can carry the demand under the constraints"),
    SolverLimit => ("FL-O007", "the solver found no plan within its limits"),
    InternalCheck => ("FL-O008", "internal error: the plan failed the independent check"),
    StrandedBoundUnreachable => ("FL-O009", "the stranded-saga bound cannot be met"),
    // The command line and the files it names.
    UnreadableInput => ("FL-I001", "an input file cannot be read"),
    InvalidArgument => ("FL-I002", "a command-line value is out of range or unknown"),
    UnwritableOutput => ("FL-I003", "an output file or directory cannot be written"),
    // Deployments the failure model is asked to assess.
    DeploymentMismatch => ("FL-A001", "the deployment does not fit the topology"),
    SpotShareExceeded => ("FL-A002", "the deployment runs more of a fleet on spot than max_spot_share allows"),
    SurviveUnmet => ("FL-A003", "the deployment does not survive a failure its SLO says it must"),
    RecoveryTargetMissed => ("FL-A004", "the deployment misses an RTO or RPO target"),
    AvailabilityMissed => ("FL-A005", "the deployment's availability is below its target"),
    StrandedBoundMissed => ("FL-A006", "the deployment leaves more sagas stranded than the journey's bound"),
    // Gate policy files, and the inline suppressions gate findings honour.
    PolicySyntax => ("FL-P001", "the policy file is not valid TOML"),
    PolicyWrongType => ("FL-P002", "a policy key has the wrong type or a required key is missing"),
    PolicyUnknownKey => ("FL-P003", "unknown key in the policy"),
    PolicyVersion => ("FL-P004", "unsupported policy format version"),
    PolicyBadValue => ("FL-P005", "policy value out of range or not one of the allowed words"),
    PolicyUnknownName => ("FL-P006", "the policy names a service, journey or region the topology or catalog does not have"),
    PolicyNeedsBaseline => ("FL-P007", "a rule compares against a baseline but none was given"),
    SuppressionMalformed => ("FL-P008", "an inline suppression comment is malformed"),
    SuppressionUnknownCode => ("FL-P009", "an inline suppression names a code that is not a gate rule"),
    BaselineMalformed => ("FL-P010", "the baseline findings file is not one this build reads"),
    // Architecture-review gate rules (`faultline check`).
    GateMaxMonthlyCost => ("FL-G001", "the plan costs more per month than the policy allows"),
    GateCostChange => ("FL-G002", "the monthly cost moved against the baseline by more than the policy allows"),
    GateMinAvailability => ("FL-G003", "a service or journey is less available than the policy requires"),
    GateMaxDowntime => ("FL-G004", "a service or journey is down longer per year than the policy allows"),
    GateAvailabilityRegression => ("FL-G005", "availability fell against the baseline by more than the policy allows"),
    GateMaxRto => ("FL-G006", "recovering from a disruption takes longer than the policy allows"),
    GateMaxRpo => ("FL-G007", "a disruption can lose more data than the policy allows"),
    GateSurvive => ("FL-G008", "a service does not survive a failure the policy requires it to survive"),
    GateQuorumSurvival => ("FL-G009", "a strongly consistent store loses its quorum under a failure it must survive"),
    GateCrossRegionDependency => ("FL-G010", "a hard dependency crosses regions beyond the latency budget"),
    GateCriticalSpot => ("FL-G011", "a critical service runs more of its capacity on spot than the policy allows"),
    GateMaxCommitment => ("FL-G012", "capacity is committed for a longer term than the policy allows"),
    GateResidency => ("FL-G013", "a service runs in a region the policy does not allow"),
    GateRequiredTags => ("FL-G014", "a tag the policy requires is missing"),
    GateSuppressionExpired => ("FL-G015", "an inline suppression has expired"),
    GateSuppressionUnused => ("FL-G016", "an inline suppression matches no finding"),
}
