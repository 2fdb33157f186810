output "fqdn" {
  description = "The service's DNS name."
  value       = local.fqdn
}

output "health_check_ids" {
  description = "Route 53 health check of each region."
  value       = { for k, h in aws_route53_health_check.this : k => h.id }
}
