"""The flows: what each command does, from the daily papers list to the digest. Each
command of the CLI calls one function here."""
