from tests.fakes.fixtures import fake, service, waits  # noqa: F401 - fixtures for these tests
