"""The hash-chained audit log: every state change, who made it, before and after."""
