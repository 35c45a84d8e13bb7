"""Repository-wide pytest set-up: the chassis' shared fixtures for every test tree."""

pytest_plugins = ["chassis.pytest_plugin"]
