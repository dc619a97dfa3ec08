"""minesafe field app (Kivy): a GraphQL client with an on-device outbox; never imports backend code."""
