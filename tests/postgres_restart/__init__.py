"""The machine's PostgreSQL restarted under load: health follows the database, every order settles once."""
