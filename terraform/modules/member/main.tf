locals {
  archs = toset([for m in values(var.members) : m.arch])
}

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
      error_message = "The AMI given for ${each.key} members of ${var.service} is ${self.architecture}."
    }
  }
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

# Spread: each member on distinct racks (at most seven running instances per zone per
# group), so one hardware failure takes at most one member.
resource "aws_placement_group" "this" {
  name     = "${var.name}-spread"
  strategy = "spread"
  tags     = var.tags
}

resource "aws_security_group" "members" {
  name_prefix = "${var.name}-members-"
  description = "Members of ${var.service}: the store port from peers and from the fleets that use it"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-members" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_peers" {
  security_group_id            = aws_security_group.members.id
  description                  = "Replication and consensus between members of ${var.service}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.members.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "to_peers" {
  security_group_id            = aws_security_group.members.id
  description                  = "Replication and consensus to other members of ${var.service}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.members.id
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "from_remote_peers" {
  for_each = var.peers

  security_group_id = aws_security_group.members.id
  description       = "Replication from members of ${var.service} in ${each.key}"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = each.value
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "to_remote_peers" {
  for_each = var.peers

  security_group_id = aws_security_group.members.id
  description       = "Replication to members of ${var.service} in ${each.key}"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = each.value
  tags              = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  for_each = var.clients

  security_group_id            = aws_security_group.members.id
  description                  = "Store port from the instances of ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = each.value
  tags                         = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = toset(var.egress_cidr_blocks)

  security_group_id = aws_security_group.members.id
  description       = "HTTPS to ${each.key} (packages, AWS APIs, backups)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.key
  tags              = var.tags
}

# The root volume keeps the size the AMI gives it (encrypted, as gp3).
locals {
  root_gib = {
    for arch, ami in data.aws_ami.this :
    arch => one([for m in ami.block_device_mappings : tonumber(m.ebs["volume_size"]) if m.device_name == ami.root_device_name])
  }
}

resource "aws_launch_template" "this" {
  for_each = var.members

  name_prefix            = "${var.name}-${each.key}-"
  description            = "${var.service} ${each.value.role} member ${each.key}"
  image_id               = data.aws_ami.this[each.value.arch].id
  instance_type          = each.value.instance_type
  update_default_version = true

  iam_instance_profile {
    name = var.instance_profile_name
  }

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
    security_groups             = [aws_security_group.members.id]
  }

  block_device_mappings {
    device_name = data.aws_ami.this[each.value.arch].root_device_name

    ebs {
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      volume_type           = "gp3"
      volume_size           = local.root_gib[each.value.arch]
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { "faultline:member" = each.key, "faultline:role" = each.value.role, "faultline:purchase" = each.value.purchase })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { "faultline:member" = each.key, "faultline:role" = each.value.role })
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = merge(var.tags, { "faultline:member" = each.key })
  }

  tags = merge(var.tags, { "faultline:member" = each.key, "faultline:role" = each.value.role })
}

# One group of exactly one instance per member, in the member's own subnet: a failed
# member is replaced in its zone and the quorum (or replica set) keeps its shape.
resource "aws_autoscaling_group" "this" {
  for_each = var.members

  name                      = "${var.name}-${each.key}"
  min_size                  = 1
  max_size                  = 1
  desired_capacity          = 1
  vpc_zone_identifier       = [each.value.subnet_id]
  placement_group           = aws_placement_group.this.id
  health_check_type         = "EC2"
  health_check_grace_period = var.health_check_grace_seconds
  metrics_granularity       = "1Minute"
  enabled_metrics           = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupTotalInstances"]

  launch_template {
    id      = aws_launch_template.this[each.key].id
    version = aws_launch_template.this[each.key].latest_version
  }

  # No instance_refresh: every member's launch template changes together (a new AMI),
  # and refreshing all members at once would break the quorum. Roll members one at a
  # time instead (start-instance-refresh per group, waiting for the store to be whole).

  dynamic "tag" {
    for_each = merge(var.tags, { Name = "${var.name}-${each.key}", "faultline:member" = each.key, "faultline:role" = each.value.role, "faultline:purchase" = each.value.purchase })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "not_in_service" {
  for_each = var.members

  alarm_name          = "${var.name}-${each.key}-not-in-service"
  alarm_description   = "Member ${each.key} of ${var.service} (${each.value.role}) has not been in service for 5 minutes."
  namespace           = "AWS/AutoScaling"
  metric_name         = "GroupInServiceInstances"
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  dimensions = {
    AutoScalingGroupName = aws_autoscaling_group.this[each.key].name
  }

  tags = var.tags
}
