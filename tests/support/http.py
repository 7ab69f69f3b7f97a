"""Assertions on the API's refusals: 422 names the field, 409 names the rule, each with readable text."""


def assert_422(response, field):
    assert response.status_code == 422, (response.status_code, response.get_json())
    errors = response.get_json()["errors"]
    # A bad list item is keyed by its position under the field ("contributing_factors.0").
    keys = [k for k in errors if k == field or k.startswith(field + ".")]
    assert keys, errors
    assert all(isinstance(m, str) and m for k in keys for m in errors[k])
    return errors


def assert_409(response, rule):
    assert response.status_code == 409, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["rule"] == rule, body
    assert body["reasons"] and all(isinstance(r, str) and r for r in body["reasons"])
    return body
