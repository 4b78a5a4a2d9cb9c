"""The layout's links, built once per mount point, follow where the shop is mounted."""


def test_layout_links_follow_the_mount_point(client, make_product):
    product = make_product()
    for _ in range(2):  # the second time, remembered links are used
        at_root = client.get("/").get_data(as_text=True)
        mounted = client.get("/", base_url="http://localhost/shop").get_data(as_text=True)
        assert 'href="/static/css/shop.css"' in at_root and 'href="/cart/"' in at_root
        assert 'href="/shop/static/css/shop.css"' in mounted and 'href="/shop/cart/"' in mounted
        assert 'href="/static/' not in mounted
        assert f'href="/shop/products/{product.slug}"' in mounted

