"""The model side: prompts and messages, rate and token limits, the OpenAI client and its
error mapping, and the validate/re-ask loop. Importing this package imports no client."""
