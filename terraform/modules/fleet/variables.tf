variable "name" {
  description = "Name prefix of every resource of this fleet (system, service and region), at most 28 characters so load balancer and target group names fit AWS's 32."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,27}$", var.name)) && !endswith(var.name, "-")
    error_message = "The name must be 1-28 lowercase letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen."
  }
}

variable "service" {
  description = "The service this fleet runs, as the plan names it."
  type        = string
}

variable "role" {
  description = "\"serving\" for a fleet that takes traffic, \"standby\" for a warm standby in a recovery region."
  type        = string

  validation {
    condition     = contains(["serving", "standby"], var.role)
    error_message = "The role must be \"serving\" or \"standby\"."
  }
}

variable "groups" {
  description = "Capacity groups of the plan, each an Auto Scaling group. Sizes are in capacity units of one vCPU: every override's weighted_capacity is its vCPU count. on_demand_base_capacity covers the planned reserved and on-demand units; the units above it are spot."
  type = map(object({
    subnet_ids                               = list(string)
    arch                                     = string
    min_size                                 = number
    max_size                                 = number
    desired_capacity                         = number
    on_demand_base_capacity                  = number
    on_demand_percentage_above_base_capacity = number
    purchase                                 = string
    overrides = list(object({
      instance_type     = string
      weighted_capacity = string
    }))
  }))

  validation {
    condition     = length(var.groups) > 0
    error_message = "A fleet needs at least one capacity group."
  }

  validation {
    condition = alltrue([
      for g in values(var.groups) :
      g.min_size >= 0 && g.min_size <= g.desired_capacity && g.desired_capacity <= g.max_size && g.max_size > 0
    ])
    error_message = "Every group needs 0 <= min_size <= desired_capacity <= max_size and max_size > 0."
  }

  validation {
    condition = alltrue([
      for g in values(var.groups) :
      g.on_demand_base_capacity >= 0 && g.on_demand_base_capacity <= g.max_size && g.on_demand_percentage_above_base_capacity >= 0 && g.on_demand_percentage_above_base_capacity <= 100
    ])
    error_message = "on_demand_base_capacity must lie in [0, max_size] and on_demand_percentage_above_base_capacity in [0, 100]."
  }

  validation {
    condition     = alltrue([for g in values(var.groups) : length(g.overrides) > 0 && length(g.subnet_ids) > 0])
    error_message = "Every group needs at least one instance type override and one subnet."
  }

  validation {
    condition     = alltrue([for g in values(var.groups) : contains(["arm64", "x86_64"], g.arch)])
    error_message = "A group's arch must be \"arm64\" or \"x86_64\"."
  }
}

variable "ami_ids" {
  description = "AMI id per CPU architecture (\"arm64\", \"x86_64\") in this region; every architecture of the groups needs one."
  type        = map(string)

  validation {
    condition     = alltrue([for k, v in var.ami_ids : contains(["arm64", "x86_64"], k) && can(regex("^ami-[0-9a-f]{8,17}$", v))])
    error_message = "Keys must be \"arm64\" or \"x86_64\" and values AMI ids (ami- followed by 8 to 17 hex digits)."
  }
}

variable "vpc_id" {
  description = "VPC of the fleet's subnets."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "The VPC id must be vpc- followed by 8 to 17 hex digits."
  }
}

variable "port" {
  description = "TCP port the service listens on, on the instances."
  type        = number

  validation {
    condition     = var.port >= 1 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "The port must be an integer from 1 to 65535."
  }
}

variable "health_check_path" {
  description = "HTTP path the load balancer checks on every instance; a healthy instance answers 200-399."
  type        = string

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "The health check path must start with /."
  }
}

variable "internal" {
  description = "Whether the load balancer is internal (reachable from the VPC only) or internet-facing."
  type        = bool
}

variable "lb_subnet_ids" {
  description = "Subnets of the load balancer, in at least two Availability Zones (public subnets for an internet-facing load balancer)."
  type        = list(string)

  validation {
    condition     = length(var.lb_subnet_ids) >= 2 && alltrue([for s in var.lb_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "An Application Load Balancer needs subnets in at least two Availability Zones; each id is subnet- followed by 8 to 17 hex digits."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener, in this region."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "The certificate must be an ACM certificate ARN."
  }
}

variable "access_log_bucket" {
  description = "S3 bucket receiving the load balancer's access logs (its policy must allow Elastic Load Balancing to write)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket))
    error_message = "The bucket must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer through the API."
  type        = bool
}

variable "web_acl_arn" {
  description = "AWS WAF web ACL to associate with the load balancer; null for none."
  type        = string
  default     = null
}

variable "client_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the load balancer on HTTPS (443)."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.client_cidr_blocks : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "Client CIDR blocks must be valid IPv4 CIDRs other than 0.0.0.0/0."
  }
}

variable "client_security_groups" {
  description = "Security groups whose members may reach the load balancer on HTTPS (443), by a name that says whose they are (static keys, since the ids of groups created in the same apply are not known when planning)."
  type        = map(string)
  default     = {}
}

variable "client_prefix_list_ids" {
  description = "Managed prefix lists (for example a CDN's origin-facing list) allowed to reach the load balancer on HTTPS (443)."
  type        = list(string)
}

variable "egress_cidr_blocks" {
  description = "IPv4 CIDR blocks the instances may reach on HTTPS (443): package mirrors, VPC endpoints, APIs."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.egress_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "Egress CIDR blocks must be valid IPv4 CIDRs."
  }
}

variable "egress_to" {
  description = "What this fleet reaches in its region: per store, its members' security group and port; per fleet, its load balancer's security group and 443."
  type = map(object({
    security_group_id = string
    port              = number
  }))
  default = {}
}

variable "instance_profile_name" {
  description = "IAM instance profile of the instances."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the EBS volumes; null for the account's default EBS key."
  type        = string
  default     = null
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation the target-tracking policy holds: the utilisation the plan's capacity has at the planned peak demand, so the fleet reaches its planned size at the peak and follows demand below it."
  type        = number

  validation {
    condition     = var.cpu_target_percent > 0 && var.cpu_target_percent <= 100
    error_message = "The CPU target must lie in (0, 100]."
  }
}

variable "health_check_grace_seconds" {
  description = "Seconds after launch before an instance's health checks count."
  type        = number
}

variable "alarm_actions" {
  description = "ARNs notified when in-service capacity falls below plan or no target is healthy (SNS topics in this region)."
  type        = list(string)
}

variable "tags" {
  description = "Tags of every resource (the root adds service, plan id, purchase option and managed-by)."
  type        = map(string)
}
