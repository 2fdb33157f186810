# A stateless fleet of one service in one region: launch templates, one Auto Scaling
# group per capacity group of the plan, an internal or internet-facing Application
# Load Balancer, security groups and alarms. Copied by `faultline terraform` into each
# generated tree; the root module passes the provider for the region.

terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}
