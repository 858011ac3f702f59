"""The flows: what each command does, from input to output."""
