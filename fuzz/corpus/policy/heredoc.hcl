name = "x"
path "a/b" { capabilities = ["patch", "delete"] }
/* block
   comment */
path "c/*" {
  capabilities = [
    "read",
    "list",
  ]
}
note = <<EOT
  free text
EOT
