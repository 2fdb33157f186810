//! The generated Terraform checked by the tools a platform team runs: `terraform fmt`,
//! `terraform init` + `validate` offline against a local provider mirror, checkov, and
//! a real `terraform apply` against an AWS emulator (moto server) whose API is then
//! read back — Auto Scaling groups, their sizes, mixed-instances policies and zones,
//! launch templates, Route 53 records and alarms against the plan — before `terraform
//! destroy`. Each test needs its tool through an environment variable that `.ci/run`
//! sets; without it the test says so and is skipped, and under `CI=true` it fails.

mod terraform_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use faultline_models::catalog::Catalog;
use faultline_models::deployment::{Role, Words};
use faultline_models::plan::Layer;
use terraform_support::{
    case, cases, fleet_wants, generate, member_wants, repo, required_env, write_tree, Members,
    Where,
};

/// Terraform set up to install providers from the local mirror only, with one plugin
/// cache shared by every `init` (the cache links the mirror's provider, it does not copy
/// it).
struct Terraform {
    config: PathBuf,
    _dir: tempfile::TempDir,
}

impl Terraform {
    fn new() -> Option<Terraform> {
        let mirror = required_env(
            "FAULTLINE_TF_PROVIDER_MIRROR",
            "a Terraform filesystem mirror holding registry.terraform.io/hashicorp/aws/5.100.0",
        )?;
        let provider =
            Path::new(&mirror).join("registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64");
        assert!(
            provider.is_dir(),
            "FAULTLINE_TF_PROVIDER_MIRROR={mirror} has no {}",
            provider.display()
        );
        let ok = Command::new("terraform").arg("version").output();
        assert!(
            matches!(&ok, Ok(o) if o.status.success()),
            "terraform is not on PATH although FAULTLINE_TF_PROVIDER_MIRROR is set"
        );
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("plugin-cache");
        std::fs::create_dir_all(&cache).unwrap();
        let config = dir.path().join("terraform.rc");
        std::fs::write(
            &config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{mirror}\"\n    include = [\"registry.terraform.io/*/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/*/*\"]\n  }}\n}}\nplugin_cache_dir = \"{}\"\nplugin_cache_may_break_dependency_lock_file = true\n",
                cache.display()
            ),
        )
        .unwrap();
        Some(Terraform { config, _dir: dir })
    }

    /// Runs terraform in `dir`; returns stdout, panicking with both streams on failure.
    fn run(&self, dir: &Path, args: &[&str]) -> String {
        let out = Command::new("terraform")
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", &self.config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "terraform {} in {} failed:\n{stdout}\n{}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    fn validate(&self, dir: &Path) {
        self.run(
            dir,
            &["init", "-backend=false", "-input=false", "-no-color"],
        );
        let out = self.run(dir, &["validate", "-json", "-no-color"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["valid"], true, "{}: {out}", dir.display());
        assert_eq!(v["warning_count"], 0, "{}: {out}", dir.display());
    }
}

#[test]
fn generated_trees_and_modules_pass_fmt_and_validate_offline() {
    let Some(tf) = Terraform::new() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for c in cases() {
        let start = Instant::now();
        let dir = tmp.path().join(c.name);
        write_tree(&dir, &generate(&c));
        tf.run(&dir, &["fmt", "-check", "-recursive", "-diff", "-no-color"]);
        tf.validate(&dir);
        eprintln!(
            "{}: fmt, init and validate in {:.1?}",
            c.name,
            start.elapsed()
        );
    }
    let modules = repo().join("terraform/modules");
    tf.run(
        &modules,
        &["fmt", "-check", "-recursive", "-diff", "-no-color"],
    );
    for m in ["dns", "fleet", "member"] {
        let dir = tmp.path().join(format!("module-{m}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in std::fs::read_dir(modules.join(m)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
        }
        // A module that takes an aliased provider validates only with that alias
        // configured; a root module passes it, so add it for the check.
        let text = std::fs::read_to_string(dir.join("versions.tf")).unwrap();
        if text.contains("configuration_aliases = [aws.us_east_1]") {
            std::fs::write(
                dir.join("validate_providers.tf"),
                "provider \"aws\" {\n  alias = \"us_east_1\"\n}\n",
            )
            .unwrap();
        }
        tf.validate(&dir);
    }
}

#[test]
fn checkov_finds_no_failed_check_in_any_tree() {
    let Some(checkov) = required_env("FAULTLINE_TEST_CHECKOV", "checkov (PyPI)") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    for c in cases() {
        write_tree(&tmp.path().join(c.name), &generate(&c));
    }
    let start = Instant::now();
    let out = Command::new(&checkov)
        .args([
            "--directory",
            ".",
            "--framework",
            "terraform",
            "--output",
            "json",
        ])
        .args(["--compact", "--skip-download"])
        .current_dir(tmp.path())
        .output()
        .unwrap_or_else(|e| panic!("{checkov}: {e}"));
    eprintln!(
        "checkov over {} trees in {:.1?}",
        cases().len(),
        start.elapsed()
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let reports: Vec<&serde_json::Value> = match &v {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut passed = 0;
    for r in reports {
        let results = &r["results"];
        let failed = results["failed_checks"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let lines: Vec<String> = failed
            .iter()
            .map(|f| format!("{} {} {}", f["check_id"], f["resource"], f["file_path"]))
            .collect();
        assert!(
            failed.is_empty(),
            "checkov failed checks:\n{}",
            lines.join("\n")
        );
        let errors = results["parsing_errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(errors.is_empty(), "checkov could not parse: {errors:?}");
        for s in results["skipped_checks"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let why = s["check_result"]["suppress_comment"]
                .as_str()
                .unwrap_or_default();
            assert!(why.len() > 20, "skip of {} without a reason", s["check_id"]);
        }
        passed += results["passed_checks"].as_array().map_or(0, Vec::len);
    }
    assert!(
        passed > 100,
        "checkov passed only {passed} checks: did it scan anything?"
    );
    assert!(out.status.success(), "checkov exited with {:?}", out.status);
}

/// The AWS emulator's API, called without an SDK: query protocol (EC2, Auto Scaling,
/// CloudWatch), JSON (ACM) and REST-XML (Route 53). The emulator does not check
/// signatures; the Authorization header only says which service a request is for.
struct Aws {
    endpoint: String,
}

fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Aws {
    fn auth(service: &str, region: &str) -> String {
        format!("AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0")
    }

    fn query(&self, service: &str, region: &str, version: &str, params: &[(&str, &str)]) -> String {
        let mut all = vec![("Version", version)];
        all.extend_from_slice(params);
        let body = form(&all);
        let mut resp = ureq::post(&self.endpoint)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Authorization", &Self::auth(service, region))
            .send(body.as_str())
            .unwrap_or_else(|e| panic!("{service} {params:?}: {e}"));
        resp.body_mut().read_to_string().unwrap()
    }

    fn ec2(&self, region: &str, params: &[(&str, &str)]) -> String {
        self.query("ec2", region, "2016-11-15", params)
    }

    fn reset(&self) {
        ureq::post(&format!("{}/moto-api/reset", self.endpoint))
            .send("")
            .unwrap();
    }

    fn import_certificate(&self, region: &str, cert: &[u8], key: &[u8]) -> String {
        let body = serde_json::json!({ "Certificate": base64(cert), "PrivateKey": base64(key) });
        let mut resp = ureq::post(&self.endpoint)
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", "CertificateManager.ImportCertificate")
            .header("Authorization", &Self::auth("acm", region))
            .send(body.to_string().as_str())
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        v["CertificateArn"].as_str().unwrap().to_string()
    }

    fn route53(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let url = format!("{}/2013-04-01/{path}", self.endpoint);
        let auth = Self::auth("route53", "us-east-1");
        let mut resp = match (method, body) {
            ("POST", Some(b)) => ureq::post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/xml")
                .send(b)
                .unwrap(),
            _ => ureq::get(&url)
                .header("Authorization", &auth)
                .call()
                .unwrap(),
        };
        resp.body_mut().read_to_string().unwrap()
    }
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, path: &[&str]) -> Option<roxmltree::Node<'a, 'i>> {
    let mut n = node;
    for p in path {
        n = n.children().find(|c| c.has_tag_name(*p))?;
    }
    Some(n)
}

fn text(node: roxmltree::Node<'_, '_>, path: &[&str]) -> String {
    child(node, path)
        .and_then(|n| n.text())
        .unwrap_or_default()
        .to_string()
}

/// List items under `path`: EC2 writes `<item>`, the other query APIs `<member>`.
fn items<'a, 'i>(node: roxmltree::Node<'a, 'i>, path: &[&str]) -> Vec<roxmltree::Node<'a, 'i>> {
    child(node, path)
        .map(|n| {
            n.children()
                .filter(|c| c.has_tag_name("item") || c.has_tag_name("member"))
                .collect()
        })
        .unwrap_or_default()
}

/// What the emulator has in a region before the apply: the default VPC, its subnets
/// by zone, and an AMI of each architecture.
struct Region {
    vpc: String,
    subnets: BTreeMap<String, String>,
    amis: BTreeMap<String, String>,
}

fn discover(aws: &Aws, region: &str) -> Region {
    let xml = aws.ec2(
        region,
        &[
            ("Action", "DescribeVpcs"),
            ("Filter.1.Name", "isDefault"),
            ("Filter.1.Value.1", "true"),
        ],
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let vpc = text(items(doc.root_element(), &["vpcSet"])[0], &["vpcId"]);
    let xml = aws.ec2(
        region,
        &[
            ("Action", "DescribeSubnets"),
            ("Filter.1.Name", "vpc-id"),
            ("Filter.1.Value.1", &vpc),
        ],
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let subnets = items(doc.root_element(), &["subnetSet"])
        .into_iter()
        .map(|s| (text(s, &["availabilityZone"]), text(s, &["subnetId"])))
        .collect();
    let xml = aws.ec2(region, &[("Action", "DescribeImages")]);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let mut amis: BTreeMap<String, String> = BTreeMap::new();
    for i in items(doc.root_element(), &["imagesSet"]) {
        let (arch, id) = (text(i, &["architecture"]), text(i, &["imageId"]));
        let e = amis.entry(arch).or_insert(id.clone());
        if id < *e {
            *e = id;
        }
    }
    Region { vpc, subnets, amis }
}

/// An Auto Scaling group as the emulator reports it.
#[derive(Debug)]
struct Asg {
    min: u32,
    max: u32,
    desired: u32,
    zones: BTreeSet<String>,
    tags: BTreeMap<String, String>,
    health_check: String,
    capacity_rebalance: bool,
    on_demand_base: Option<u32>,
    percent_above_base: Option<u32>,
    spot_strategy: String,
    on_demand_strategy: String,
    overrides: Vec<(String, u32)>,
    instance_types: Vec<String>,
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

fn autoscaling_groups(aws: &Aws, region: &str, subnet_zone: &BTreeMap<String, String>) -> Vec<Asg> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = vec![
            ("Action", "DescribeAutoScalingGroups"),
            ("MaxRecords", "100"),
        ];
        if !token.is_empty() {
            params.push(("NextToken", &token));
        }
        let xml = aws.query("autoscaling", region, "2011-01-01", &params);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let result = child(doc.root_element(), &["DescribeAutoScalingGroupsResult"]).unwrap();
        for g in items(result, &["AutoScalingGroups"]) {
            let dist = child(g, &["MixedInstancesPolicy", "InstancesDistribution"]);
            out.push(Asg {
                min: num(&text(g, &["MinSize"])),
                max: num(&text(g, &["MaxSize"])),
                desired: num(&text(g, &["DesiredCapacity"])),
                zones: text(g, &["VPCZoneIdentifier"])
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| subnet_zone[s].clone())
                    .collect(),
                tags: items(g, &["Tags"])
                    .into_iter()
                    .map(|t| (text(t, &["Key"]), text(t, &["Value"])))
                    .collect(),
                health_check: text(g, &["HealthCheckType"]),
                capacity_rebalance: text(g, &["CapacityRebalance"]) == "true",
                on_demand_base: dist.map(|d| num(&text(d, &["OnDemandBaseCapacity"]))),
                percent_above_base: dist
                    .map(|d| num(&text(d, &["OnDemandPercentageAboveBaseCapacity"]))),
                spot_strategy: dist
                    .map(|d| text(d, &["SpotAllocationStrategy"]))
                    .unwrap_or_default(),
                on_demand_strategy: dist
                    .map(|d| text(d, &["OnDemandAllocationStrategy"]))
                    .unwrap_or_default(),
                overrides: items(g, &["MixedInstancesPolicy", "LaunchTemplate", "Overrides"])
                    .into_iter()
                    .map(|o| {
                        (
                            text(o, &["InstanceType"]),
                            num(&text(o, &["WeightedCapacity"])),
                        )
                    })
                    .collect(),
                instance_types: items(g, &["Instances"])
                    .into_iter()
                    .map(|i| text(i, &["InstanceType"]))
                    .collect(),
            });
        }
        token = text(result, &["NextToken"]);
        if token.is_empty() {
            break;
        }
    }
    out
}

fn openssl_certificate(dir: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=example.test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .ok()?;
    if !status.status.success() {
        return None;
    }
    Some((std::fs::read(cert).unwrap(), std::fs::read(key).unwrap()))
}

/// Provider blocks that send every call to the emulator with dummy credentials: a test
/// override file (`*_override.tf` merges into the tree's own provider blocks), never
/// part of the generated tree.
fn provider_override(endpoint: &str, regions: &BTreeSet<String>) -> String {
    let services = [
        "acm",
        "autoscaling",
        "cloudwatch",
        "ec2",
        "elbv2",
        "iam",
        "route53",
        "sts",
        "wafv2",
    ];
    let endpoints: Vec<String> = services
        .iter()
        .map(|s| format!("    {s} = \"{endpoint}\""))
        .collect();
    let block = |alias: Option<String>, region: &str| {
        format!(
            "provider \"aws\" {{\n{}  region                      = \"{region}\"\n  access_key                  = \"test\"\n  secret_key                  = \"test\"\n  skip_credentials_validation = true\n  skip_metadata_api_check     = true\n  skip_requesting_account_id  = true\n  skip_region_validation      = true\n\n  endpoints {{\n{}\n  }}\n}}\n",
            alias.map(|a| format!("  alias = \"{a}\"\n")).unwrap_or_default(),
            endpoints.join("\n")
        )
    };
    let mut out = block(None, "us-east-1");
    for r in regions {
        out.push_str(&block(Some(r.replace('-', "_")), r));
    }
    out
}

#[test]
fn a_tree_applied_to_the_aws_emulator_has_the_planned_capacity() {
    let Some(endpoint) = required_env(
        "FAULTLINE_TEST_AWS_ENDPOINT",
        "the AWS emulator (moto server) for Auto Scaling, EC2, ELB, Route 53 and CloudWatch",
    ) else {
        return;
    };
    let Some(tf) = Terraform::new() else { return };
    let aws = Aws { endpoint };
    aws.reset();
    let tmp = tempfile::tempdir().unwrap();
    let Some((cert, key)) = openssl_certificate(tmp.path()) else {
        panic!("openssl could not make a test certificate");
    };
    // The standby system: two regions, a warm standby with DNS failover, a quorum
    // store with a standby replica, a single-region fleet partly on spot.
    let c = case("standby");
    let catalog = Catalog::embedded();
    let plan = &c.plan;
    let regions: BTreeSet<String> = plan
        .services
        .values()
        .flat_map(|s| s.instances.iter().map(|l| l.region.clone()))
        .collect();
    let mut provider_regions = regions.clone();
    provider_regions.insert("us-east-1".into());

    type Map = serde_json::Map<String, serde_json::Value>;
    let mut vars = Map::new();
    let (mut vpcs, mut subnets, mut amis) = (Map::new(), Map::new(), Map::new());
    let (mut lb_subnets, mut certs, mut logs) = (Map::new(), Map::new(), Map::new());
    let mut subnet_zone = BTreeMap::new();
    for r in &regions {
        let d = discover(&aws, r);
        vpcs.insert(r.clone(), d.vpc.clone().into());
        for (z, s) in &d.subnets {
            subnets.insert(z.clone(), s.clone().into());
            subnet_zone.insert(s.clone(), z.clone());
        }
        amis.insert(r.clone(), serde_json::to_value(&d.amis).unwrap());
        let two: Vec<&String> = d.subnets.values().take(2).collect();
        lb_subnets.insert(r.clone(), serde_json::to_value(two).unwrap());
        certs.insert(r.clone(), aws.import_certificate(r, &cert, &key).into());
        logs.insert(r.clone(), format!("faultline-test-logs-{r}").into());
    }
    let zone_xml = aws.route53(
        "POST",
        "hostedzone",
        Some("<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>example.test</Name><CallerReference>faultline-terraform-test</CallerReference></CreateHostedZoneRequest>"),
    );
    let zone_doc = roxmltree::Document::parse(&zone_xml).unwrap();
    let zone_id = text(zone_doc.root_element(), &["HostedZone", "Id"])
        .trim_start_matches("/hostedzone/")
        .to_string();
    vars.insert("vpc_ids".into(), vpcs.into());
    vars.insert("subnet_ids".into(), subnets.into());
    vars.insert("ami_ids".into(), amis.into());
    vars.insert("load_balancer_subnet_ids".into(), lb_subnets.into());
    vars.insert("certificate_arns".into(), certs.into());
    vars.insert("access_log_buckets".into(), logs.into());
    vars.insert("hosted_zone_id".into(), zone_id.clone().into());
    vars.insert("instance_profile_name".into(), "faultline-test".into());
    let ports: serde_json::Map<String, serde_json::Value> = plan
        .services
        .keys()
        .map(|s| (s.clone(), 8080.into()))
        .collect();
    vars.insert("service_ports".into(), ports.into());
    let paths: serde_json::Map<String, serde_json::Value> = plan
        .services
        .iter()
        .filter(|(_, s)| s.kind == faultline_models::topology::Kind::Stateless)
        .map(|(n, _)| (n.clone(), "/health".into()))
        .collect();
    vars.insert("health_check_paths".into(), paths.into());
    vars.insert(
        "client_cidr_blocks".into(),
        serde_json::json!(["10.0.0.0/8"]),
    );
    vars.insert(
        "egress_cidr_blocks".into(),
        serde_json::json!(["10.0.0.0/8"]),
    );
    vars.insert("load_balancer_deletion_protection".into(), false.into());

    let dir = tmp.path().join("tree");
    write_tree(&dir, &generate(&c));
    std::fs::write(
        dir.join("zz_test_override.tf"),
        provider_override(&aws.endpoint, &provider_regions),
    )
    .unwrap();
    // The emulator reports no weighted capacity per instance, so Terraform's wait for
    // the groups' capacity would never end; and it does not implement placement groups.
    std::fs::write(
        dir.join("modules/fleet/zz_test_override.tf"),
        "resource \"aws_autoscaling_group\" \"this\" {\n  wait_for_capacity_timeout = \"0\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("modules/member/zz_test_override.tf"),
        "resource \"aws_placement_group\" \"this\" {\n  count = 0\n}\n\nresource \"aws_autoscaling_group\" \"this\" {\n  placement_group = null\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("test.auto.tfvars.json"),
        serde_json::to_string_pretty(&serde_json::Value::Object(vars)).unwrap(),
    )
    .unwrap();

    let start = Instant::now();
    tf.run(&dir, &["init", "-input=false", "-no-color"]);
    tf.run(
        &dir,
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=20",
        ],
    );
    eprintln!("init and apply in {:.1?}", start.elapsed());
    let outputs: serde_json::Value =
        serde_json::from_str(&tf.run(&dir, &["output", "-json", "-no-color"])).unwrap();

    // Fleets: per zone, the groups' units equal the plan's, with the planned policy.
    let wants = fleet_wants(plan, catalog);
    // (min, max, on-demand, spot) units by where they are.
    let mut got: BTreeMap<Where, (u32, u32, u32, u32)> = BTreeMap::new();
    let mut members = Members::new();
    for r in &regions {
        for g in autoscaling_groups(&aws, r, &subnet_zone) {
            let service = g.tags["faultline:service"].clone();
            assert_eq!(g.tags["faultline:plan"], plan.id);
            assert_eq!(g.tags["managed-by"], "faultline");
            assert!(g.tags.contains_key("faultline:purchase"));
            if let Some(member) = g.tags.get("faultline:member") {
                assert_eq!((g.min, g.max, g.desired), (1, 1, 1), "{member}");
                assert_eq!(g.zones.len(), 1, "{member} is pinned to one subnet");
                assert_eq!(g.health_check, "EC2");
                let role = Role::from_word(&g.tags["faultline:role"]).unwrap();
                assert_eq!(g.instance_types.len(), 1, "{member}");
                *members
                    .entry((service, r.clone(), g.zones.iter().next().unwrap().clone()))
                    .or_default()
                    .entry((g.instance_types[0].clone(), role))
                    .or_default() += 1;
                continue;
            }
            assert_eq!(g.health_check, "ELB");
            assert_eq!(g.spot_strategy, "price-capacity-optimized");
            assert_eq!(g.on_demand_strategy, "prioritized");
            let base = g.on_demand_base.unwrap();
            let spot = g.max - base.min(g.max);
            assert_eq!(g.capacity_rebalance, spot > 0);
            assert_eq!(g.percent_above_base, Some(if spot > 0 { 0 } else { 100 }));
            for (t, w) in &g.overrides {
                assert_eq!(*w, catalog.instance_types[t].vcpus, "weight of {t}");
            }
            let zone = if g.zones.len() == 1 {
                g.zones.iter().next().unwrap().clone()
            } else {
                format!("{r}-any")
            };
            let standby = g.tags["faultline:role"] == "standby";
            let e = got.entry((service, r.clone(), zone)).or_default();
            e.0 += g.min;
            e.1 += g.max;
            e.2 += if standby { g.desired } else { base.min(g.max) };
            e.3 += spot;
        }
    }
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        wants.keys().collect::<Vec<_>>(),
        "fleets by service, region and zone"
    );
    for (k, w) in &wants {
        let (min, max, on_demand, spot) = got[k];
        if w.standby > 0 {
            assert_eq!(
                (min, on_demand),
                (w.standby, w.standby),
                "{k:?}: standby runs its planned size"
            );
            assert!(max > min, "{k:?}: standby scales out on failover");
        } else {
            assert_eq!(max, w.base + w.peak, "{k:?}: peak units");
            assert_eq!(
                on_demand, w.on_demand_priced,
                "{k:?}: on-demand-priced units"
            );
            assert_eq!(spot, w.spot, "{k:?}: spot units");
            assert!(min >= w.base.min(1) && min <= max, "{k:?}");
            if w.base > 0 {
                assert_eq!(min, w.base, "{k:?}: always-on units");
            }
        }
    }
    assert_eq!(
        members,
        member_wants(plan),
        "store members by zone, type and role"
    );

    // Launch templates as the API has them: encrypted EBS, IMDSv2 with hop limit 1, no
    // public address, detailed monitoring.
    let mut templates = 0;
    for r in &regions {
        let xml = aws.ec2(r, &[("Action", "DescribeLaunchTemplates")]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        for lt in items(doc.root_element(), &["launchTemplates"]) {
            let id = text(lt, &["launchTemplateId"]);
            let xml = aws.ec2(
                r,
                &[
                    ("Action", "DescribeLaunchTemplateVersions"),
                    ("LaunchTemplateId", &id),
                    ("Versions.1", "$Latest"),
                ],
            );
            let doc = roxmltree::Document::parse(&xml).unwrap();
            for v in items(doc.root_element(), &["launchTemplateVersionSet"]) {
                let data = child(v, &["launchTemplateData"]).unwrap();
                let bdm = items(data, &["blockDeviceMappingSet"]);
                assert!(!bdm.is_empty(), "{id}: no block devices");
                for b in bdm {
                    assert_eq!(
                        text(b, &["ebs", "encrypted"]),
                        "true",
                        "{id}: unencrypted EBS"
                    );
                }
                assert_eq!(
                    text(data, &["metadataOptions", "httpTokens"]),
                    "required",
                    "{id}"
                );
                assert_eq!(
                    text(data, &["metadataOptions", "httpPutResponseHopLimit"]),
                    "1",
                    "{id}"
                );
                assert_eq!(text(data, &["monitoring", "enabled"]), "true", "{id}");
                for ni in items(data, &["networkInterfaceSet"]) {
                    assert_eq!(text(ni, &["associatePublicIpAddress"]), "false", "{id}");
                }
                templates += 1;
            }
        }
    }
    assert!(
        templates >= 4,
        "only {templates} launch templates read back"
    );

    // DNS: one alias record per endpoint region, routed as the DR pattern says, each
    // pointing at its region's load balancer and health-checked when routed.
    let lbs = &outputs["load_balancers"]["value"];
    let xml = aws.route53("GET", &format!("hostedzone/{zone_id}/rrset"), None);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    struct Rec {
        failover: String,
        target: String,
        evaluate: bool,
        health_check: String,
    }
    let mut records: BTreeMap<String, BTreeMap<String, Rec>> = BTreeMap::new();
    for rr in doc
        .descendants()
        .filter(|n| n.has_tag_name("ResourceRecordSet"))
        .filter(|n| text(*n, &["Type"]) == "A")
    {
        let name = text(rr, &["Name"]);
        let service = name.trim_end_matches(".example.test.").to_string();
        records.entry(service).or_default().insert(
            text(rr, &["SetIdentifier"]),
            Rec {
                failover: text(rr, &["Failover"]),
                target: text(rr, &["AliasTarget", "DNSName"]),
                evaluate: text(rr, &["AliasTarget", "EvaluateTargetHealth"]) == "true",
                health_check: text(rr, &["HealthCheckId"]),
            },
        );
    }
    let mut dns_alarms = 0;
    for (service, sp) in plan
        .services
        .iter()
        .filter(|(_, s)| s.kind == faultline_models::topology::Kind::Stateless)
    {
        let recs = &records[service];
        let standby: BTreeSet<&str> = sp
            .instances
            .iter()
            .filter(|l| l.layer == Layer::Standby)
            .map(|l| l.region.as_str())
            .collect();
        let all: BTreeSet<&str> = sp.instances.iter().map(|l| l.region.as_str()).collect();
        dns_alarms += all.len();
        if all.len() == 1 {
            let (_, rec) = recs.iter().next().unwrap();
            assert_eq!(recs.len(), 1);
            assert!(rec.failover.is_empty() && rec.evaluate);
            let region = all.iter().next().unwrap();
            assert_eq!(
                rec.target.trim_end_matches('.'),
                lbs[format!("{service}/{region}")].as_str().unwrap()
            );
            continue;
        }
        assert_eq!(
            recs.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            all,
            "{service}"
        );
        for (region, rec) in recs {
            let want = if standby.contains(region.as_str()) {
                "SECONDARY"
            } else {
                "PRIMARY"
            };
            assert_eq!(rec.failover, want, "{service} {region}");
            assert!(
                rec.evaluate && !rec.health_check.is_empty(),
                "{service} {region}"
            );
            assert_eq!(
                rec.target.trim_end_matches('.'),
                lbs[format!("{service}/{region}")].as_str().unwrap()
            );
        }
    }
    let xml = aws.query(
        "monitoring",
        "us-east-1",
        "2010-08-01",
        &[("Action", "DescribeAlarms")],
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let in_us_east_1 = doc
        .descendants()
        .filter(|n| n.has_tag_name("AlarmName"))
        .filter(|n| n.text().unwrap_or_default().ends_with("-dns-unhealthy"))
        .count();
    assert_eq!(
        in_us_east_1, dns_alarms,
        "a us-east-1 alarm per DNS health check"
    );

    let start = Instant::now();
    tf.run(
        &dir,
        &[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=20",
        ],
    );
    eprintln!("destroy in {:.1?}", start.elapsed());
    for r in &regions {
        assert!(
            autoscaling_groups(&aws, r, &subnet_zone).is_empty(),
            "{r}: groups left after destroy"
        );
    }
}
