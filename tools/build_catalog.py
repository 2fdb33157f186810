#!/usr/bin/env python3
"""Generate Faultline's embedded default AWS catalog (TOML) from public reference data.

Usage:
    python3 tools/build_catalog.py REFERENCE_DIR > models/data/aws-catalog.toml

REFERENCE_DIR must contain these CSV extracts of public AWS data (see docs/catalog.md
for where each comes from):

    aws-ec2-instance-types.csv              instance_type,vcpus,memory_gib,arch,gpus
    aws-ec2-ondemand-linux-usd-per-hour.csv region,instance_type,usd_per_hour,as_of,source
    aws-spot-advisor-linux.csv              region,instance_type,interruption_bucket,savings_vs_ondemand_pct,as_of
    aws-inter-region-rtt-ms.csv             from_region,to_region,rtt_ms,as_of,source
    aws-inter-region-transfer-usd-per-gb.csv from_region,usd_per_gb_out_to_other_region,as_of,source

Everything that is not in those CSVs (zones, display names, commitment discounts,
transfer overrides, failure priors, source metadata) is a hand-chosen constant below,
each with its source. The output is deterministic: every table and key is sorted, and
no value depends on the current date or the machine the script runs on.

Standard library only.
"""

import csv
import os
import re
import sys

# ---------------------------------------------------------------------------
# Catalog identity
# ---------------------------------------------------------------------------

CATALOG_VERSION = 1
CATALOG_NAME = "aws-default"
CATALOG_CLOUD = "aws"
# Date this catalog was assembled (a constant, so that output is reproducible).
CATALOG_AS_OF = "2026-11-25"

# ---------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------

# Region display names: the names AWS uses in the console and in the
# "Regions and Zones" page of the EC2 User Guide (source "aws-regions-zones").
# Zones: AZ names as listed in that page as of 2026-11.
# A region is kept only if it has On-Demand prices AND RTT rows in the inputs.
REGIONS = {
    "us-east-1": ("US East (N. Virginia)", ["a", "b", "c", "d", "e", "f"]),
    "us-east-2": ("US East (Ohio)", ["a", "b", "c"]),
    "us-west-2": ("US West (Oregon)", ["a", "b", "c", "d"]),
    "eu-west-1": ("Europe (Ireland)", ["a", "b", "c"]),
    "eu-west-2": ("Europe (London)", ["a", "b", "c"]),
    "eu-central-1": ("Europe (Frankfurt)", ["a", "b", "c"]),
    "eu-north-1": ("Europe (Stockholm)", ["a", "b", "c"]),
    "ap-south-1": ("Asia Pacific (Mumbai)", ["a", "b", "c"]),
    "ap-southeast-1": ("Asia Pacific (Singapore)", ["a", "b", "c"]),
    "ap-southeast-2": ("Asia Pacific (Sydney)", ["a", "b", "c"]),
    "ap-northeast-1": ("Asia Pacific (Tokyo)", ["a", "c", "d"]),
    "sa-east-1": ("South America (S\u00e3o Paulo)", ["a", "b", "c"]),
}
REGIONS_SOURCE = "aws-regions-zones"

# Instance families in scope; every size of these families in the instance-type
# CSV is included except bare-metal sizes (names containing "metal").
FAMILIES = {
    "m5", "m6i", "m7i", "m6g", "m7g",
    "c6i", "c7i", "c6g", "c7g",
    "r6i", "r7i", "r6g", "r7g",
    "t3",
}
# Burstable-performance families (CPU credits).
BURSTABLE_FAMILIES = {"t3"}
# Architecture spelling in the output; anything else in scope is an error.
ARCH_MAP = {"x86_64": "x86_64", "arm64": "arm64"}
INSTANCE_TYPES_SOURCE = "aws-ec2-instance-types"

# On-Demand prices: the CSV mixes two snapshots, told apart by its `as_of` column.
# Each snapshot gets its own source id.
PRICE_SOURCE_BY_AS_OF = {
    "2026-07-20": "aws-price-list-karpenter-2026-07-20",
    "2024-02-21": "aws-price-list-sparecores-2024-02-21",
}

SPOT_SOURCE = "aws-spot-advisor-2025-06"
SPOT_BUCKETS = ["<5%", "5-10%", "10-15%", "15-20%", ">20%"]

RTT_SOURCE = "cloudping-rtt-2020-04-23"

# ---------------------------------------------------------------------------
# Commitments (aws-priors §4 "Suggested planner defaults", m5/m6i/m7g us-east-1).
# Fraction off On-Demand, No Upfront. LOW confidence / partly unconfirmed:
# consistent with AWS maxima (72% Standard RI / EC2 Instance SP, 66% Compute SP)
# and third-party typical ranges (1-yr ~27-40%, 3-yr up to ~60%); per-SKU rates
# were not read. The m5 SP test fixture (26% Compute SP / 37.5% Instance SP,
# 1-yr NU) agrees with the 1-yr values.
# ---------------------------------------------------------------------------
COMMITMENTS_SOURCE = "commitment-discounts-derived"
COMMITMENTS = [
    ("reserved_1y", "0.37"),      # Standard RI / EC2 Instance SP, 1-yr No Upfront
    ("reserved_3y", "0.57"),      # Standard RI / EC2 Instance SP, 3-yr No Upfront
    ("savings_plan_1y", "0.27"),  # Compute SP, 1-yr No Upfront (range 0.26-0.28)
    ("savings_plan_3y", "0.48"),  # Compute SP, 3-yr No Upfront
]

# ---------------------------------------------------------------------------
# Data transfer (aws-priors §5). Per-region inter-region egress comes from the
# transfer CSV (cloudping.co 2020-04 bandwidth snapshot). Constants:
# ---------------------------------------------------------------------------
TRANSFER_SOURCE = "aws-data-transfer-derived"
# Inter-AZ, same region: $0.01/GB in each direction (several third parties agree;
# medium-high).
INTER_AZ_USD_PER_GB = "0.01"
# Pair overrides, key (a, b) with a < b: us-east-1 <-> us-east-2 is $0.01/GB
# (redresscompliance.com, medium; README notes current rates agree).
INTER_REGION_PAIR_USD_PER_GB = {
    ("us-east-1", "us-east-2"): "0.01",
}

# ---------------------------------------------------------------------------
# Failure priors. All LOW confidence. Rates are per unit-year, durations in hours.
# Derivations: aws-priors §1b (outage history 2011-01 -> 2026-06, ~15.4 years),
# §2 (SLAs), §3 (Spot). See docs/catalog.md for the full reasoning.
# ---------------------------------------------------------------------------

# Per instance. No public per-instance failure rate exists. Upper bound: the EC2
# Instance-Level SLA of 99.5% allows ~43.8 h/yr of unavailability; we assume one
# host-level failure or forced retirement per instance-year, replaced by an Auto
# Scaling group in ~5 min (launch + boot + health check), tail up to ~9 min mean.
# Expected unavailability 1.0 * 0.15 h = 0.15 h/yr, far inside the SLA bound.
FAILURE_INSTANCE = {"rate_per_year": 1.0, "median_hours": 0.083, "mean_hours": 0.15}
FAILURE_INSTANCE_SOURCE = "ec2-instance-sla-derived"

# Per zone. §1b: observed floor 0.013 per AZ-year (13 AZ events / ~900-1,000
# AZ-years), suggested planning default 0.02-0.1. We take 0.03: ~2x the floor to
# allow for unpublicised AZ events, at the low end of the range because the
# high end is driven by us-east-1, which has its own override (0.07).
# Durations: §1b AZ-level main window, median ~4.5 h, mean ~10 h.
FAILURE_ZONE = {"rate_per_year": 0.03, "median_hours": 4.5, "mean_hours": 10.0}

# Per region, full regional outage (running workloads that use regional services
# are down). §1b: observed floor 0.01 per region-year outside us-east-1,
# suggested default 0.02-0.1. We take 0.05: 5x the floor (publicised events
# undercount), near the log-midpoint of the range.
# Durations: §1b regional events, median ~7 h, mean ~10 h (range 0.5-24 h).
FAILURE_REGION = {"rate_per_year": 0.05, "median_hours": 7.0, "mean_hours": 10.0}
OUTAGE_HISTORY_SOURCE = "aws-outage-history-derived"

# Per region, control-plane / API outage (launches, scaling and API calls fail,
# running capacity keeps working). Nearest evidence: #13 (2021-12-07, APIs failed,
# running instances mostly fine) and #18 (2025-10-19/20, DynamoDB DNS, EC2
# launches failed), both us-east-1; no publicised control-plane-only event outside
# us-east-1. Default 0.03/region-year (about the same ratio to the full-outage
# rate as in us-east-1, 0.25 : 0.4). Durations: §1b regional distribution
# (which includes #13 and #18): median ~7 h, mean ~10 h.
FAILURE_REGION_CONTROL_PLANE = {"rate_per_year": 0.03, "median_hours": 7.0, "mean_hours": 10.0}
CONTROL_PLANE_SOURCE = "aws-control-plane-derived"

# Per region pair: both regions up but unable to reach each other. Nearest
# evidence: #14 (2021-12-15, us-west-1/us-west-2 regional network connectivity,
# ~30 min, press only). A network event at either end can partition a pair, so
# we take 2 x the ~0.01/region-year floor = 0.02 per pair-year; short events:
# median 0.5 h (#14), mean 1 h.
FAILURE_REGION_PARTITION = {"rate_per_year": 0.02, "median_hours": 0.5, "mean_hours": 1.0}
PARTITION_SOURCE = "aws-partition-derived"

# Per zone: zone up but cut off from the rest of its region. Nearest evidence:
# #1 (2011-04-21, a mistaken network traffic shift inside one us-east-1 AZ) is the
# only network-triggered event among the 13 AZ events of §1b; short inter-AZ
# network blips are rarely publicised. We take 0.01 per AZ-year (a third of the
# zone-outage default), median 1 h, mean 2 h (network faults are typically fixed
# faster than power or cooling faults).
FAILURE_ZONE_ISOLATION = {"rate_per_year": 0.01, "median_hours": 1.0, "mean_hours": 2.0}
ZONE_ISOLATION_SOURCE = "aws-zone-isolation-derived"

# Correlated zone events (aws-priors §1a; low confidence, 12 zone-level events: #1, 2,
# 3, 4, 5, 8, 10, 12, 15, 20 and #19 counted once per region it hit).
# - A second zone follows a zone outage: 1 of the 12 (#19, me-central-1, 2 of 3 AZs),
#   so 1/12 = 0.083.
# - A third follows a second: none of the one two-zone event went on to a third;
#   Laplace's rule of succession (0 + 1) / (1 + 2) = 1/3 keeps it possible.
# - The region's control plane is impaired for the zone outage: 3 of the 12 (#1
#   region-wide EBS API errors, #4 region-wide control-plane degradation that slowed
#   failover to other AZs, #5 aggressive region-wide API throttling) = 0.25.
# - Relaunches into the surviving zones fail on capacity (every tenant relaunching
#   at once) while the control plane itself works: 2 of the 12 (#10, where multi-AZ
#   applications also saw errors, and #20, where traffic had to be shifted away) =
#   0.167. A failed relaunch leaves the fleet as if launches were impaired.
FAILURE_CORRELATION = {
    "second_zone": 0.083,
    "third_zone": 0.333,
    "control_plane_impaired": 0.25,
    "relaunch_contention": 0.167,
}
CORRELATION_SOURCE = "aws-correlated-zone-events-derived"

# A replicated store's failover fails (the replica is not promoted; the store waits for
# its primary). Of the same 12 zone-level events, 2 report failovers that did not
# complete: #1 (2011-04-21, "some Multi AZ failovers are taking longer than expected"
# in the RDS status updates, resolved by hand over hours) and #4 (2012-06-29, an
# ELB/control-plane bug slowed failover to other AZs). Within those events only a part
# of the failovers was affected ("some"); we take one in ten, so
# 2/12 x 0.1 = 0.017, rounded up to 0.02 per failover attempt.
FAILOVER_FAILS = 0.02
FAILOVER_SOURCE = "aws-failed-failovers-derived"

# Spot (aws-priors §3). Interruption notice: 2 minutes (AWS docs, high).
# Replacement: with price-capacity-optimized allocation and capacity rebalancing,
# a replacement usually launches within the notice window plus boot time; we take
# median 5 min and mean 15 min (tail when the pool or the AZ is short of capacity).
# Interruption per month: bucket midpoints as in §3's hazard conversion
# (p = 2.5%, 7.5%, 12.5%, 17.5%, 25%; ">20%" is open-ended, 25% chosen there).
SPOT_NOTICE_SECONDS = 120
SPOT_REPLACEMENT = {"replacement_median_hours": 0.083, "replacement_mean_hours": 0.25}
SPOT_INTERRUPTION_PER_MONTH = {
    "<5%": 0.025,
    "5-10%": 0.075,
    "10-15%": 0.125,
    "15-20%": 0.175,
    ">20%": 0.25,
}
SPOT_FAILURE_SOURCE = "aws-spot-derived"

# Per-region overrides: us-east-1 only (the only region with enough public events).
#  - region: §1b counts 8 regional-scope us-east-1 events (#6, 7, 9, 11, 13, 16,
#    17, 18), 10 with #1 and #5 (region-wide API impact) -> 0.5-0.65/yr. We split
#    them: full/service outages #6, 7, 9, 11, 16, 17 = 6 / 15.4 y = 0.39 -> 0.4/yr;
#  - region_control_plane: #13, #18 plus the region-wide API errors of #1, #5 =
#    4 / 15.4 y = 0.26 -> 0.25/yr. Total 0.65/yr = top of the §1b range.
#  - zone: §1b us-east-1 AZ events #1, 3, 4, 5, 15, 20 = 6 / ~80-90 AZ-years
#    -> 0.07 per AZ-year.
# Durations are the §1b defaults (the regional sample is mostly us-east-1 events).
FAILURE_REGION_OVERRIDES = {
    "us-east-1": {
        "region": {"rate_per_year": 0.4, "median_hours": 7.0, "mean_hours": 10.0,
                   "source": OUTAGE_HISTORY_SOURCE},
        "region_control_plane": {"rate_per_year": 0.25, "median_hours": 7.0, "mean_hours": 10.0,
                                 "source": CONTROL_PLANE_SOURCE},
        "zone": {"rate_per_year": 0.07, "median_hours": 4.5, "mean_hours": 10.0,
                 "source": OUTAGE_HISTORY_SOURCE},
    },
}

# ---------------------------------------------------------------------------
# Sources: id -> (title, primary public URL, as_of, confidence).
# Only sources referenced by the output are written.
# ---------------------------------------------------------------------------
SOURCES = {
    "aws-regions-zones": (
        "AWS Regions and Zones (Amazon EC2 User Guide)",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html",
        "2026-11", "high"),
    "aws-ec2-instance-types": (
        "EC2 instance types: vCPUs, memory, architecture (EC2 API via the Spare Cores open dataset; "
        "cross-checked with karpenter-provider-aws instance-types reference)",
        "https://github.com/SpareCores/sc-data",
        "2024-02", "high"),
    "aws-price-list-karpenter-2026-07-20": (
        "EC2 On-Demand Linux prices, us-east-1 (AWS Price List API, as generated into "
        "karpenter-provider-aws zz_generated.pricing_aws.go)",
        "https://github.com/aws/karpenter-provider-aws/blob/main/pkg/providers/pricing/zz_generated.pricing_aws.go",
        "2026-07-20", "high"),
    "aws-price-list-sparecores-2024-02-21": (
        "EC2 On-Demand Linux prices, all regions (AWS Price List API snapshot, Spare Cores sc-data)",
        "https://github.com/SpareCores/sc-data",
        "2024-02-21", "medium"),
    "aws-spot-advisor-2025-06": (
        "AWS Spot Instance Advisor feed (spot-advisor-data.json), Linux: interruption bucket and savings",
        "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json",
        "2025-06", "medium"),
    "cloudping-rtt-2020-04-23": (
        "Inter-region round-trip times, cloudping.co averages snapshot",
        "https://github.com/naderalfares/cloudping.co/blob/master/scripts/python3/latencies.csv",
        "2020-04-23", "medium"),
    "aws-data-transfer-derived": (
        "AWS data transfer prices (derived: per-region inter-region egress from the cloudping.co 2020 "
        "bandwidth price snapshot; inter-AZ $0.01/GB and us-east-1<->us-east-2 $0.01/GB from "
        "agreeing third-party price guides)",
        "https://github.com/naderalfares/cloudping.co/blob/master/scripts/python3/bandwidth_price.csv",
        "2020-04", "medium"),
    "commitment-discounts-derived": (
        "Reserved Instance / Savings Plan discount defaults (derived from AWS maximum discounts and "
        "third-party typical rates; not per-SKU)",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/concepts-on-demand-reserved-instances.html",
        "2026-11", "low"),
    "aws-outage-history-derived": (
        "Zone and region outage rates and durations (derived from publicised AWS outages 2011-2026, "
        "mainly AWS Post-Event Summaries)",
        "https://aws.amazon.com/premiumsupport/technology/pes/",
        "2026-06", "low"),
    "aws-control-plane-derived": (
        "Regional control-plane outage prior (derived from AWS Post-Event Summaries of 2021-12-07 "
        "and 2025-10-19/20, us-east-1)",
        "https://aws.amazon.com/message/12721",
        "2026-06", "low"),
    "aws-partition-derived": (
        "Inter-region partition prior (derived from the 2021-12-15 us-west network event, press report)",
        "https://www.theregister.com/2021/12/22/aws_outage/",
        "2021-12", "low"),
    "aws-zone-isolation-derived": (
        "Zone isolation prior (derived from the 2011-04-21 us-east-1 single-AZ network event and the "
        "AZ outage history)",
        "https://aws.amazon.com/message/65648/",
        "2026-06", "low"),
    "aws-correlated-zone-events-derived": (
        "Correlated zone-event priors (derived from the publicised AWS zone-level events 2011-2026: "
        "multi-zone loss 2026-03-01 me-central-1; region-wide control-plane impairment during zone "
        "events 2011-04-21, 2012-06-29, 2012-10-22; failed relaunch 2019-08-23, 2026-05-07)",
        "https://aws.amazon.com/message/65648/",
        "2026-06", "low"),
    "aws-failed-failovers-derived": (
        "Failed-failover prior (derived from the publicised AWS zone-level events 2011-2026 whose "
        "failovers did not complete: 2011-04-21 RDS Multi-AZ, 2012-06-29 ELB/control plane)",
        "https://aws.amazon.com/message/65648/",
        "2026-06", "low"),
    "ec2-instance-sla-derived": (
        "Instance failure prior (derived; EC2 Instance-Level SLA 99.5% used as an upper bound)",
        "https://aws.amazon.com/compute/sla/",
        "2026-06", "low"),
    "aws-spot-derived": (
        "Spot interruption and replacement priors (derived: 2-minute interruption notice from AWS docs; "
        "Spot Advisor bucket midpoints; replacement times assumed)",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html",
        "2025-06", "low"),
}

CONFIDENCES = {"high", "medium", "low"}

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

DECIMAL_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")
BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def die(msg):
    sys.stderr.write("build_catalog: error: %s\n" % msg)
    sys.exit(1)


def warn(msg):
    sys.stderr.write("build_catalog: %s\n" % msg)


def read_csv(ref_dir, name, columns):
    path = os.path.join(ref_dir, name)
    if not os.path.isfile(path):
        die("missing input file %s" % name)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            die("%s lacks columns %s" % (name, ", ".join(missing)))
        rows = []
        for row in reader:
            rows.append({k: (row[k] or "").strip() for k in columns})
        return rows


def toml_str(s):
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_key(k):
    return k if BARE_KEY_RE.match(k) else toml_str(k)


def toml_float(x):
    s = repr(float(x))
    if "e" in s or "E" in s or "inf" in s or "nan" in s:
        die("unexpected float %r" % x)
    if "." not in s:
        s += ".0"
    return s


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return toml_float(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    die("unsupported value %r" % (v,))


def decimal_string(s, what):
    if not DECIMAL_RE.match(s):
        die("%s: %r is not a plain decimal" % (what, s))
    return s


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------

def build(ref_dir):
    used_sources = set()

    def src(sid):
        if sid not in SOURCES:
            die("source %s is not defined" % sid)
        used_sources.add(sid)
        return sid

    # Instance types -------------------------------------------------------
    it_rows = read_csv(ref_dir, "aws-ec2-instance-types.csv",
                       ["instance_type", "vcpus", "memory_gib", "arch", "gpus"])
    instance_types = {}
    for r in it_rows:
        name = r["instance_type"]
        family = name.split(".", 1)[0]
        if family not in FAMILIES or "metal" in name:
            continue
        if name in instance_types:
            die("duplicate instance type %s" % name)
        if r["arch"] not in ARCH_MAP:
            die("%s: unexpected arch %r" % (name, r["arch"]))
        instance_types[name] = {
            "family": family,
            "vcpus": int(r["vcpus"]),
            "memory_gib": float(r["memory_gib"]),
            "arch": ARCH_MAP[r["arch"]],
            "burstable": family in BURSTABLE_FAMILIES,
        }
    missing_fams = FAMILIES - {t["family"] for t in instance_types.values()}
    if missing_fams:
        die("no instance types for families %s" % ", ".join(sorted(missing_fams)))

    # On-Demand prices ----------------------------------------------------
    od_rows = read_csv(ref_dir, "aws-ec2-ondemand-linux-usd-per-hour.csv",
                       ["region", "instance_type", "usd_per_hour", "as_of", "source"])
    od = {}          # region -> {type: price string}
    od_as_of = {}    # region -> set(as_of)
    for r in od_rows:
        reg, typ = r["region"], r["instance_type"]
        if reg not in REGIONS or typ not in instance_types:
            continue
        prices = od.setdefault(reg, {})
        if typ in prices:
            die("duplicate price row %s %s" % (reg, typ))
        prices[typ] = decimal_string(r["usd_per_hour"], "price %s %s" % (reg, typ))
        od_as_of.setdefault(reg, set()).add(r["as_of"])

    # RTT ------------------------------------------------------------------
    rtt_rows = read_csv(ref_dir, "aws-inter-region-rtt-ms.csv",
                        ["from_region", "to_region", "rtt_ms", "as_of", "source"])
    rtt_regions = {r["from_region"] for r in rtt_rows} | {r["to_region"] for r in rtt_rows}

    # Regions kept: prices AND RTT rows --------------------------------------
    kept = []
    for reg in sorted(REGIONS):
        reasons = []
        if not od.get(reg):
            reasons.append("no On-Demand prices")
        if reg not in rtt_regions:
            reasons.append("no RTT rows")
        if reasons:
            warn("dropping region %s (%s)" % (reg, ", ".join(reasons)))
        else:
            kept.append(reg)
    kept_set = set(kept)
    if not kept:
        die("no region in scope has both prices and RTT rows")

    rtt = {}
    for r in rtt_rows:
        a, b = r["from_region"], r["to_region"]
        if a not in kept_set or b not in kept_set:
            continue
        v = r["rtt_ms"]
        if re.match(r"^[0-9]+$", v):
            val = int(v)
        else:
            val = float(decimal_string(v, "rtt %s %s" % (a, b)))
        row = rtt.setdefault(a, {})
        if b in row:
            die("duplicate RTT row %s -> %s" % (a, b))
        row[b] = val
    for a in kept:
        for b in kept:
            if b not in rtt.get(a, {}):
                warn("no RTT for %s -> %s" % (a, b))

    # Spot -----------------------------------------------------------------
    sp_rows = read_csv(ref_dir, "aws-spot-advisor-linux.csv",
                       ["region", "instance_type", "interruption_bucket",
                        "savings_vs_ondemand_pct", "as_of"])
    spot = {}
    for r in sp_rows:
        reg, typ = r["region"], r["instance_type"]
        if reg not in kept_set or typ not in instance_types:
            continue
        if r["interruption_bucket"] not in SPOT_BUCKETS:
            die("spot %s %s: bad bucket %r" % (reg, typ, r["interruption_bucket"]))
        if not re.match(r"^-?[0-9]+$", r["savings_vs_ondemand_pct"]):
            die("spot %s %s: bad savings %r" % (reg, typ, r["savings_vs_ondemand_pct"]))
        pools = spot.setdefault(reg, {})
        if typ in pools:
            die("duplicate spot row %s %s" % (reg, typ))
        pools[typ] = (r["interruption_bucket"], int(r["savings_vs_ondemand_pct"]))

    # Transfer ---------------------------------------------------------------
    tr_rows = read_csv(ref_dir, "aws-inter-region-transfer-usd-per-gb.csv",
                       ["from_region", "usd_per_gb_out_to_other_region", "as_of", "source"])
    transfer_out = {}
    for r in tr_rows:
        reg = r["from_region"]
        if reg not in kept_set:
            continue
        if reg in transfer_out:
            die("duplicate transfer row %s" % reg)
        transfer_out[reg] = decimal_string(r["usd_per_gb_out_to_other_region"], "transfer %s" % reg)
    for reg in kept:
        if reg not in transfer_out:
            warn("no inter-region transfer price for %s" % reg)

    # ---------------------------------------------------------------------
    # Emit
    # ---------------------------------------------------------------------
    body = []
    w = body.append

    # regions
    for reg in kept:
        display, zones = REGIONS[reg]
        w("")
        w("[regions.%s]" % toml_key(reg))
        w("name = %s" % toml_str(display))
        w("zones = %s" % toml_value([reg + z for z in zones]))
        w("source = %s" % toml_str(src(REGIONS_SOURCE)))

    # instance types
    for name in sorted(instance_types):
        t = instance_types[name]
        w("")
        w("[instance_types.%s]" % toml_str(name))
        w("family = %s" % toml_str(t["family"]))
        w("vcpus = %d" % t["vcpus"])
        w("memory_gib = %s" % toml_float(t["memory_gib"]))
        w("arch = %s" % toml_str(t["arch"]))
        w("burstable = %s" % toml_value(t["burstable"]))
        w("source = %s" % toml_str(src(INSTANCE_TYPES_SOURCE)))

    # on-demand
    for reg in kept:
        as_ofs = od_as_of[reg]
        if len(as_ofs) != 1:
            die("region %s mixes price snapshots %s" % (reg, sorted(as_ofs)))
        as_of = next(iter(as_ofs))
        if as_of not in PRICE_SOURCE_BY_AS_OF:
            die("no source id for price snapshot as_of=%s" % as_of)
        w("")
        w("[on_demand.%s]" % toml_key(reg))
        w("source = %s" % toml_str(src(PRICE_SOURCE_BY_AS_OF[as_of])))
        w("")
        w("[on_demand.%s.usd_per_hour]" % toml_key(reg))
        for typ in sorted(od[reg]):
            w("%s = %s" % (toml_str(typ), toml_str(od[reg][typ])))

    # spot
    for reg in kept:
        if reg not in spot:
            continue
        w("")
        w("[spot.%s]" % toml_key(reg))
        w("source = %s" % toml_str(src(SPOT_SOURCE)))
        w("")
        w("[spot.%s.pools]" % toml_key(reg))
        for typ in sorted(spot[reg]):
            bucket, pct = spot[reg][typ]
            w("%s = { interruption = %s, savings_pct = %d }" % (toml_str(typ), toml_str(bucket), pct))

    # commitments
    w("")
    w("# Fraction off On-Demand. DEFAULT values, low confidence: not per-SKU rates.")
    w("[commitments]")
    w("source = %s" % toml_str(src(COMMITMENTS_SOURCE)))
    for k, v in COMMITMENTS:
        w("%s = %s" % (k, toml_str(decimal_string(v, k))))

    # transfer
    w("")
    w("[transfer]")
    w("source = %s" % toml_str(src(TRANSFER_SOURCE)))
    w("inter_az_usd_per_gb = %s" % toml_str(decimal_string(INTER_AZ_USD_PER_GB, "inter-AZ")))
    w("")
    w("[transfer.inter_region_out_usd_per_gb]")
    for reg in sorted(transfer_out):
        w("%s = %s" % (toml_key(reg), toml_str(transfer_out[reg])))
    w("")
    w("[transfer.inter_region_pair_usd_per_gb]")
    for (a, b) in sorted(INTER_REGION_PAIR_USD_PER_GB):
        if not a < b:
            die("pair key %s|%s is not ordered" % (a, b))
        if a not in kept_set or b not in kept_set:
            continue
        w("%s = %s" % (toml_str(a + "|" + b),
                       toml_str(decimal_string(INTER_REGION_PAIR_USD_PER_GB[(a, b)], "pair"))))

    # rtt
    w("")
    w("[rtt]")
    w("source = %s" % toml_str(src(RTT_SOURCE)))
    for a in kept:
        if a not in rtt:
            continue
        w("")
        w("[rtt.ms.%s]" % toml_key(a))
        for b in sorted(rtt[a]):
            w("%s = %s" % (toml_key(b), toml_value(rtt[a][b])))

    # failure
    def mode(table, values, source_id, comment):
        w("")
        w("# " + comment)
        w("[failure.%s]" % table)
        for k in ("rate_per_year", "median_hours", "mean_hours"):
            w("%s = %s" % (k, toml_float(values[k])))
        w("source = %s" % toml_str(src(source_id)))

    mode("instance", FAILURE_INSTANCE, FAILURE_INSTANCE_SOURCE,
         "Per instance: host failure / forced retirement, then replacement.")
    mode("zone", FAILURE_ZONE, OUTAGE_HISTORY_SOURCE,
         "Per zone (AZ-year): whole-AZ outage.")
    mode("region", FAILURE_REGION, OUTAGE_HISTORY_SOURCE,
         "Per region (region-year): full regional outage.")
    mode("region_control_plane", FAILURE_REGION_CONTROL_PLANE, CONTROL_PLANE_SOURCE,
         "Per region: control-plane / API outage, running capacity unaffected.")
    mode("region_partition", FAILURE_REGION_PARTITION, PARTITION_SOURCE,
         "Per region pair (pair-year): both up, cannot reach each other.")
    mode("zone_isolation", FAILURE_ZONE_ISOLATION, ZONE_ISOLATION_SOURCE,
         "Per zone: zone up but cut off from the rest of its region.")

    w("")
    w("# A zone outage's correlated consequences (per zone outage).")
    w("[failure.correlation]")
    for k in ("second_zone", "third_zone", "control_plane_impaired", "relaunch_contention"):
        w("%s = %s" % (k, toml_float(FAILURE_CORRELATION[k])))
    w("source = %s" % toml_str(src(CORRELATION_SOURCE)))
    w("")
    w("# A replicated store's failover fails: the store waits for its primary (per attempt).")
    w("[failure.failover]")
    w("fails = %s" % toml_float(FAILOVER_FAILS))
    w("source = %s" % toml_str(src(FAILOVER_SOURCE)))
    w("")
    w("[failure.spot]")
    w("notice_seconds = %d" % SPOT_NOTICE_SECONDS)
    for k in ("replacement_median_hours", "replacement_mean_hours"):
        w("%s = %s" % (k, toml_float(SPOT_REPLACEMENT[k])))
    w("source = %s" % toml_str(src(SPOT_FAILURE_SOURCE)))
    w("")
    w("# Fraction of capacity reclaimed per month, per Spot Advisor bucket (bucket midpoints).")
    w("[failure.spot.interruption_per_month]")
    if set(SPOT_INTERRUPTION_PER_MONTH) != set(SPOT_BUCKETS):
        die("spot interruption table does not cover exactly the buckets")
    for b in SPOT_BUCKETS:
        w("%s = %s" % (toml_str(b), toml_float(SPOT_INTERRUPTION_PER_MONTH[b])))

    for reg in sorted(FAILURE_REGION_OVERRIDES):
        if reg not in kept_set:
            continue
        for m in sorted(FAILURE_REGION_OVERRIDES[reg]):
            o = FAILURE_REGION_OVERRIDES[reg][m]
            w("")
            w("[failure.regions.%s.%s]" % (toml_key(reg), toml_key(m)))
            for k in ("rate_per_year", "median_hours", "mean_hours"):
                if k in o:
                    w("%s = %s" % (k, toml_float(o[k])))
            w("source = %s" % toml_str(src(o["source"])))

    # header + sources (sources last-computed, emitted first)
    head = [
        "# Generated by tools/build_catalog.py from public AWS data; see docs/catalog.md.",
        "version = %d" % CATALOG_VERSION,
        "name = %s" % toml_str(CATALOG_NAME),
        "cloud = %s" % toml_str(CATALOG_CLOUD),
        "as_of = %s" % toml_str(CATALOG_AS_OF),
    ]
    for sid in sorted(used_sources):
        title, url, as_of, conf = SOURCES[sid]
        if conf not in CONFIDENCES:
            die("source %s: bad confidence %r" % (sid, conf))
        if not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", sid):
            die("source id %s is not kebab-case" % sid)
        head.append("")
        head.append("[sources.%s]" % toml_key(sid))
        head.append("title = %s" % toml_str(title))
        head.append("url = %s" % toml_str(url))
        head.append("as_of = %s" % toml_str(as_of))
        head.append("confidence = %s" % toml_str(conf))

    return "\n".join(head + body) + "\n"


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    ref_dir = argv[1]
    if not os.path.isdir(ref_dir):
        die("not a directory: %s" % ref_dir)
    text = build(ref_dir)
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
