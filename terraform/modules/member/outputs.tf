output "security_group_id" {
  description = "Security group of the members, for the fleets that use the store."
  value       = aws_security_group.members.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the members' VPC, for members of the store in other regions."
  value       = data.aws_vpc.this.cidr_block
}

output "autoscaling_group_names" {
  description = "Auto Scaling group of each member."
  value       = { for k, g in aws_autoscaling_group.this : k => g.name }
}
