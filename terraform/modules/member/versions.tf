# The members of one store in one region: each member a single-instance Auto Scaling
# group pinned to its subnet, so a failed member is replaced in its own zone; a spread
# placement group keeps members on distinct hardware. Quorum members, primaries,
# replicas and standby replicas all take this shape. Copied by `faultline terraform`
# into each generated tree; the root module passes the provider for the region.

terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}
