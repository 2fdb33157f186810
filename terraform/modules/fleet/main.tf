locals {
  archs = toset([for g in values(var.groups) : g.arch])

  # Target tracking moves a group between its min and max; a group whose planned
  # size is fixed gets no policy.
  scaled = { for k, g in var.groups : k => g if g.max_size > g.min_size }

  tags = merge(var.tags, { "faultline:role" = var.role })
}

# The AMI of each architecture, read so the launch template maps the AMI's own root
# device (which differs between images) and a wrong-architecture AMI fails the plan.
data "aws_ami" "this" {
  for_each = local.archs

  filter {
    name   = "image-id"
    values = [lookup(var.ami_ids, each.key, "")]
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.ami_ids), each.key)
      error_message = "${var.service} runs ${each.key} instance types here, but ami_ids has no ${each.key} AMI for this region."
    }

    postcondition {
      condition     = self.architecture == each.key
      error_message = "The AMI given for ${each.key} instances of ${var.service} is ${self.architecture}."
    }
  }
}

# The root volume keeps the size the AMI gives it (encrypted, as gp3).
locals {
  root_gib = {
    for arch, ami in data.aws_ami.this :
    arch => one([for m in ami.block_device_mappings : tonumber(m.ebs["volume_size"]) if m.device_name == ami.root_device_name])
  }
}

resource "aws_launch_template" "this" {
  for_each = local.archs

  name_prefix            = "${var.name}-${each.key}-"
  description            = "${var.service} ${var.role} instances (${each.key})"
  image_id               = data.aws_ami.this[each.key].id
  update_default_version = true

  iam_instance_profile {
    name = var.instance_profile_name
  }

  # IMDSv2 only, and a hop limit of 1 so containers on the instance cannot reach the
  # instance's credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  network_interfaces {
    associate_public_ip_address = false
    delete_on_termination       = true
    security_groups             = [aws_security_group.instances.id]
  }

  block_device_mappings {
    device_name = data.aws_ami.this[each.key].root_device_name

    ebs {
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      volume_type           = "gp3"
      volume_size           = local.root_gib[each.key]
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.tags
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = local.tags
  }

  tags = local.tags
}

resource "aws_security_group" "lb" {
  name_prefix = "${var.name}-lb-"
  description = "Load balancer of ${var.service}: HTTPS from allowed clients, the service port to its instances"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-lb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "instances" {
  name_prefix = "${var.name}-instances-"
  description = "Instances of ${var.service}: the service port from the load balancer only"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-instances" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "lb_from_cidr" {
  for_each = toset(var.client_cidr_blocks)

  security_group_id = aws_security_group.lb.id
  description       = "HTTPS from client network ${each.key}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.key
  tags              = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "lb_from_group" {
  for_each = var.client_security_groups

  security_group_id            = aws_security_group.lb.id
  description                  = "HTTPS from the instances of ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.value
  tags                         = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "lb_from_prefix_list" {
  for_each = toset(var.client_prefix_list_ids)

  security_group_id = aws_security_group.lb.id
  description       = "HTTPS from client prefix list ${each.key}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.key
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "lb_to_instances" {
  security_group_id            = aws_security_group.lb.id
  description                  = "Service port to the instances of ${var.service}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.instances.id
  tags                         = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "instances_from_lb" {
  security_group_id            = aws_security_group.instances.id
  description                  = "Service port from the load balancer of ${var.service}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.lb.id
  tags                         = local.tags
}

resource "aws_vpc_security_group_egress_rule" "instances_https" {
  for_each = toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.instances.id
  description       = "HTTPS to ${each.key} (packages, AWS APIs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.key
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "instances_to_dependency" {
  for_each = var.egress_to

  security_group_id            = aws_security_group.instances.id
  description                  = "Port ${each.value.port} to ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.security_group_id
  tags                         = local.tags
}

resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_76:Which WAF rules apply (Log4j and others) is decided where the web ACL passed in web_acl_arn is defined; this module only associates it. Load balancers are internal unless the root lists them as internet-facing.
  name                       = var.name
  internal                   = var.internal
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.lb.id]
  subnets                    = var.lb_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  access_logs {
    bucket  = var.access_log_bucket
    prefix  = var.name
    enabled = true
  }

  tags = local.tags
}

resource "aws_lb_target_group" "this" {
  name     = "${var.name}-tg"
  port     = var.port
  protocol = "HTTP"
  vpc_id   = var.vpc_id

  # Groups mix instance sizes: send each request to the target with the fewest in
  # flight rather than round-robin, so a small instance is not loaded like a large one.
  load_balancing_algorithm_type = "least_outstanding_requests"

  # Two failed checks 10 s apart take an instance out of service in 20 s, inside the
  # 30 s the plan assumes for moving traffic off a failed instance or zone.
  health_check {
    enabled             = true
    path                = var.health_check_path
    protocol            = "HTTP"
    matcher             = "200-399"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = local.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.web_acl_arn == null ? 0 : 1

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.web_acl_arn
}

resource "aws_autoscaling_group" "this" {
  for_each = var.groups

  name                      = "${var.name}-${each.key}"
  min_size                  = each.value.min_size
  max_size                  = each.value.max_size
  desired_capacity          = each.value.desired_capacity
  desired_capacity_type     = "units"
  vpc_zone_identifier       = each.value.subnet_ids
  target_group_arns         = [aws_lb_target_group.this.arn]
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_seconds
  capacity_rebalance        = each.value.on_demand_base_capacity < each.value.max_size
  metrics_granularity       = "1Minute"
  enabled_metrics           = ["GroupDesiredCapacity", "GroupInServiceCapacity", "GroupInServiceInstances", "GroupMaxSize", "GroupMinSize", "GroupTotalCapacity"]

  mixed_instances_policy {
    instances_distribution {
      on_demand_allocation_strategy            = "prioritized"
      on_demand_base_capacity                  = each.value.on_demand_base_capacity
      on_demand_percentage_above_base_capacity = each.value.on_demand_percentage_above_base_capacity
      spot_allocation_strategy                 = "price-capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.this[each.value.arch].id
        version            = aws_launch_template.this[each.value.arch].latest_version
      }

      dynamic "override" {
        for_each = each.value.overrides

        content {
          instance_type     = override.value.instance_type
          weighted_capacity = override.value.weighted_capacity
        }
      }
    }
  }

  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 90
    }
  }

  dynamic "tag" {
    for_each = merge(local.tags, { Name = "${var.name}-${each.key}", "faultline:purchase" = each.value.purchase })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  # The planned desired capacity is the peak; the target-tracking policy moves it
  # between the planned minimum and maximum afterwards, so later applies leave it be.
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_policy" "cpu" {
  for_each = local.scaled

  name                   = "${var.name}-${each.key}-cpu"
  autoscaling_group_name = aws_autoscaling_group.this[each.key].name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    target_value = var.cpu_target_percent

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}

# Capacity that should run but does not: in-service units below the desired units for
# ten minutes in a row (launches take a few), for example when spot or on-demand
# capacity of the listed types is short in the zone.
resource "aws_cloudwatch_metric_alarm" "below_plan" {
  for_each = var.groups

  alarm_name          = "${var.name}-${each.key}-below-plan"
  alarm_description   = "In-service capacity of ${var.service} (${each.key}) has been below its desired capacity for 10 minutes; the plan keeps at least ${each.value.min_size} vCPU units running."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 10
  datapoints_to_alarm = 10
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "shortfall"
    expression  = "desired - in_service"
    label       = "Desired minus in-service capacity units"
    return_data = true
  }

  metric_query {
    id = "desired"

    metric {
      namespace   = "AWS/AutoScaling"
      metric_name = "GroupDesiredCapacity"
      period      = 60
      stat        = "Maximum"
      dimensions = {
        AutoScalingGroupName = aws_autoscaling_group.this[each.key].name
      }
    }
  }

  metric_query {
    id = "in_service"

    metric {
      namespace   = "AWS/AutoScaling"
      metric_name = "GroupInServiceCapacity"
      period      = 60
      stat        = "Minimum"
      dimensions = {
        AutoScalingGroupName = aws_autoscaling_group.this[each.key].name
      }
    }
  }

  tags = local.tags
}

# No healthy target behind the load balancer for a whole minute: the region cannot
# serve. Route 53's health check of this region follows this alarm; the alias
# records' evaluate_target_health sees the same condition sooner, which keeps DNS
# failover within the plan's 150 s (docs/terraform.md).
resource "aws_cloudwatch_metric_alarm" "no_healthy_targets" {
  alarm_name          = "${var.name}-no-healthy-targets"
  alarm_description   = "No healthy target of ${var.service} behind its load balancer for a minute."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.this.arn_suffix
  }

  tags = local.tags
}
