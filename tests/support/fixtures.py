"""The workflow worlds as fixtures (tests/support/worlds.py), loaded by tests/conftest.py as a plugin."""
import pytest

from tests.support.worlds import TUESDAY, W1, W2, W3, Sweep


@pytest.fixture
def w1(app, auth, factory, now):
    return W1(app, auth, factory)


@pytest.fixture
def w2(app, auth, factory, now):
    return W2(app, auth, factory, now)


@pytest.fixture
def w3(app, auth, factory, now):
    return W3(app, auth, factory)


# --- detection ---------------------------------------------------------------------------------------


@pytest.fixture
def sweep(app, auth, factory, time_machine):
    machine = Sweep(app, auth, factory, time_machine)
    machine.at(TUESDAY)
    return machine
