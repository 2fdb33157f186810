variable "name" {
  description = "Name prefix of the health checks and alarms (system and service)."
  type        = string
}

variable "service" {
  description = "The service; its record is <service>.<hosted zone name>."
  type        = string
}

variable "hosted_zone_id" {
  description = "Route 53 hosted zone holding the record."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Z]{1,32}$", var.hosted_zone_id))
    error_message = "The hosted zone id must be a Route 53 zone id: up to 32 uppercase letters and digits, such as Z0123456789ABCDEFGHIJ."
  }
}

variable "routing" {
  description = "\"latency\" (active-active regions), \"failover\" (a primary region and a warm standby) or \"simple\" (one region)."
  type        = string

  validation {
    condition     = contains(["latency", "failover", "simple"], var.routing)
    error_message = "Routing must be latency, failover or simple."
  }
}

variable "endpoints" {
  description = "The service's load balancer in each region, with the alarm its health check follows and, for failover routing, PRIMARY or SECONDARY."
  type = map(object({
    region      = string
    lb_dns_name = string
    lb_zone_id  = string
    alarm_name  = string
    failover    = string
  }))

  validation {
    condition     = length(var.endpoints) > 0
    error_message = "A record needs at least one endpoint."
  }

  validation {
    condition     = alltrue([for e in values(var.endpoints) : contains(["PRIMARY", "SECONDARY", ""], e.failover)])
    error_message = "failover must be PRIMARY, SECONDARY or empty."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when a region's health check fails (SNS topics in us-east-1)."
  type        = list(string)
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
}
