"""What every stage shares: settings, the article schema, logging, JSON Lines, service checks."""
