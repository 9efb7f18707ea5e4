from crm.templatetags.emails import email_link


def test_an_email_link_wraps_after_its_at_and_its_dots():
    assert email_link("anna.meyer@north-wind.de") == (
        '<a href="mailto:anna.meyer@north-wind.de" aria-label="anna.meyer@north-wind.de">'
        '<span class="email-part">anna.<wbr>meyer@</span>'
        '<span class="email-part">north-wind.<wbr>de</span></a>'
    )


def test_an_email_link_escapes_what_it_shows():
    assert email_link('a"<b>') == (
        '<a href="mailto:a&quot;&lt;b&gt;" aria-label="a&quot;&lt;b&gt;">'
        '<span class="email-part">a&quot;&lt;b&gt;</span></a>'
    )
