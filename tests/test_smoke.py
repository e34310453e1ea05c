def test_the_home_page_renders_for_a_visitor(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Asisten" in response.content


def test_the_home_page_greets_a_signed_in_client(client, client_user):
    client.force_login(client_user)
    response = client.get("/")
    assert "Alice Client" in response.content.decode()


def test_private_storage_follows_the_test_settings(settings, tmp_path):
    from django.core.files.base import ContentFile

    from marketplace.storage import private_storage

    name = private_storage().save("probe.txt", ContentFile(b"hello"))
    assert (tmp_path / "private" / name).read_bytes() == b"hello"
