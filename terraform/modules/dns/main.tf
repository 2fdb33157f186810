data "aws_route53_zone" "this" {
  zone_id = var.hosted_zone_id
}

locals {
  fqdn = "${var.service}.${trimsuffix(data.aws_route53_zone.this.name, ".")}"

  primaries   = [for e in values(var.endpoints) : e if e.failover == "PRIMARY"]
  secondaries = [for e in values(var.endpoints) : e if e.failover == "SECONDARY"]
}

# Follows the region's "no healthy targets" alarm, which works for internal load
# balancers too (Route 53's own checkers cannot reach those).
resource "aws_route53_health_check" "this" {
  for_each = var.endpoints

  type                            = "CLOUDWATCH_METRIC"
  cloudwatch_alarm_name           = each.value.alarm_name
  cloudwatch_alarm_region         = each.value.region
  insufficient_data_health_status = "Unhealthy"
  tags                            = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_route53_record" "this" {
  # checkov:skip=CKV2_AWS_23:Every record is an alias of a load balancer the root module creates (each endpoint's lb_dns_name and lb_zone_id are a fleet module's outputs); checkov cannot follow the reference across modules.
  for_each = var.endpoints

  zone_id         = var.hosted_zone_id
  name            = local.fqdn
  type            = "A"
  set_identifier  = var.routing == "simple" ? null : each.key
  health_check_id = var.routing == "simple" ? null : aws_route53_health_check.this[each.key].id

  alias {
    name                   = each.value.lb_dns_name
    zone_id                = each.value.lb_zone_id
    evaluate_target_health = true
  }

  dynamic "latency_routing_policy" {
    for_each = var.routing == "latency" ? [each.value.region] : []

    content {
      region = latency_routing_policy.value
    }
  }

  dynamic "failover_routing_policy" {
    for_each = var.routing == "failover" ? [each.value.failover] : []

    content {
      type = failover_routing_policy.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.routing != "simple" || length(var.endpoints) == 1
      error_message = "Simple routing takes exactly one endpoint."
    }

    precondition {
      condition     = var.routing != "failover" || (length(local.primaries) == 1 && length(local.secondaries) == 1)
      error_message = "Failover routing takes exactly one PRIMARY and one SECONDARY endpoint."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "health_check" {
  provider = aws.us_east_1
  for_each = var.endpoints

  alarm_name          = "${var.name}-${each.key}-dns-unhealthy"
  alarm_description   = "Route 53 health check of ${local.fqdn} in ${each.value.region} is failing: DNS no longer sends clients there."
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  dimensions = {
    HealthCheckId = aws_route53_health_check.this[each.key].id
  }

  tags = var.tags
}
