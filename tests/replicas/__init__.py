"""Several replicas of every service on one PostgreSQL and one NATS: the saga stays exactly-once."""
