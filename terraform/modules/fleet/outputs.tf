output "lb_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "lb_zone_id" {
  description = "Route 53 zone id of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "instance_security_group_id" {
  description = "Security group of the instances, for the stores this fleet reaches."
  value       = aws_security_group.instances.id
}

output "lb_security_group_id" {
  description = "Security group of the load balancer, for the fleets that call this one."
  value       = aws_security_group.lb.id
}

output "no_healthy_targets_alarm_name" {
  description = "Alarm that fires when no target behind the load balancer is healthy."
  value       = aws_cloudwatch_metric_alarm.no_healthy_targets.alarm_name
}

output "autoscaling_group_names" {
  description = "Auto Scaling group of each capacity group."
  value       = { for k, g in aws_autoscaling_group.this : k => g.name }
}
