"""The app's GraphQL client: HTTP (httpx) for queries and mutations, graphql-transport-ws for live events."""
