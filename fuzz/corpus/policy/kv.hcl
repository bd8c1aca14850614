# Reader policy for one team
path "team-alpha/data/*" {
  capabilities = ["read", "list"]
}

path "team-alpha/metadata/*" {
  capabilities = ["list"]
}

path "secret/+/config" {
  capabilities       = ["create", "update"]
  required_parameters = ["owner"]
  allowed_parameters = {
    "owner" = ["ops-*", "dev"]
    "*"     = []
  }
  denied_parameters = {
    "admin" = []
  }
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "24h"
}

path "sys/*" {
  capabilities = ["deny"]
}
