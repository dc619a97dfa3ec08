"""Digital-twin drills (issue 16): the mine model, drills, their responses and scores."""
