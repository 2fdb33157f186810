variable "name" {
  description = "Name prefix of every resource of this store in this region (system, service and region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,39}$", var.name)) && !endswith(var.name, "-")
    error_message = "The name must be 1-40 lowercase letters, digits and hyphens, starting with a letter or digit and not ending with a hyphen."
  }
}

variable "service" {
  description = "The store, as the plan names it."
  type        = string
}

variable "members" {
  description = "One entry per planned member: its subnet, instance type and architecture, its role (active quorum member, primary, replica, standby) and how it is paid for. Members run on-demand; reservations are billing."
  type = map(object({
    subnet_id     = string
    instance_type = string
    arch          = string
    role          = string
    purchase      = string
  }))

  validation {
    condition     = length(var.members) > 0
    error_message = "A store needs at least one member in the region."
  }

  validation {
    condition     = alltrue([for m in values(var.members) : contains(["active", "primary", "replica", "standby"], m.role)])
    error_message = "A member's role must be active, primary, replica or standby."
  }

  validation {
    condition     = alltrue([for m in values(var.members) : contains(["arm64", "x86_64"], m.arch)])
    error_message = "A member's arch must be \"arm64\" or \"x86_64\"."
  }

  validation {
    condition     = alltrue([for m in values(var.members) : m.purchase != "spot"])
    error_message = "Store members never run on spot."
  }
}

variable "ami_ids" {
  description = "AMI id per CPU architecture (\"arm64\", \"x86_64\") in this region; every architecture of the members needs one."
  type        = map(string)

  validation {
    condition     = alltrue([for k, v in var.ami_ids : contains(["arm64", "x86_64"], k) && can(regex("^ami-[0-9a-f]{8,17}$", v))])
    error_message = "Keys must be \"arm64\" or \"x86_64\" and values AMI ids (ami- followed by 8 to 17 hex digits)."
  }
}

variable "vpc_id" {
  description = "VPC of the members' subnets."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "The VPC id must be vpc- followed by 8 to 17 hex digits."
  }
}

variable "port" {
  description = "TCP port of the store, for clients and for replication between members."
  type        = number

  validation {
    condition     = var.port >= 1 && var.port <= 65535 && floor(var.port) == var.port
    error_message = "The port must be an integer from 1 to 65535."
  }
}

variable "peers" {
  description = "CIDR block of the VPC holding this store's members in each other region (security groups cannot be referenced across regions)."
  type        = map(string)
  default     = {}
}

variable "clients" {
  description = "Security groups of the fleets in this region that use the store, by service."
  type        = map(string)
  default     = {}
}

variable "egress_cidr_blocks" {
  description = "IPv4 CIDR blocks the members may reach on HTTPS (443): package mirrors, VPC endpoints, backups."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.egress_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "Egress CIDR blocks must be valid IPv4 CIDRs."
  }
}

variable "instance_profile_name" {
  description = "IAM instance profile of the members."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the EBS volumes; null for the account's default EBS key."
  type        = string
  default     = null
}

variable "health_check_grace_seconds" {
  description = "Seconds after launch before a member's EC2 status checks count."
  type        = number
}

variable "alarm_actions" {
  description = "ARNs notified when a member is not in service (SNS topics in this region)."
  type        = list(string)
}

variable "tags" {
  description = "Tags of every resource (the root adds service, plan id and managed-by)."
  type        = map(string)
}
