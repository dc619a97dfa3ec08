"""The app's GraphQL client: contracts.client (HTTP, standard library) for queries and mutations,
graphql-transport-ws for live events."""
