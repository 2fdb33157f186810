# The DNS name of one stateless service: an alias record per region to that region's
# load balancer (latency routing when the service is active-active across regions,
# failover routing to a warm standby, a single record otherwise), each with a Route 53
# health check that follows the region's "no healthy targets" alarm, and an alarm on
# every health check. Route 53 is global (default provider); its health-check metrics
# exist only in us-east-1, so those alarms use the aws.us_east_1 provider.

terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = ">= 5.100"
      configuration_aliases = [aws.us_east_1]
    }
  }
}
