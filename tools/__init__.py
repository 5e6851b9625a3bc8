"""Developer tools, outside the runtime package: the code generators and the one command that
runs them (`tools/regenerate`). Nothing here runs on a user's helm call."""
