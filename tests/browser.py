"""Steps the browser tests share."""

from playwright.sync_api import Locator, Page, expect

from accounts.tests.factories import PASSWORD


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign ``username`` in through the login form; they land on My work."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


# Every element that sticks out of the 390 px viewport (the skip link hides off-screen on
# purpose), and every select too narrow for its chosen option's text (its arrow: 24 px).
# What is inside a container marked ``data-scroll-x`` that scrolls sideways on purpose (the
# Gantt chart, the pipeline's columns on a phone) is skipped: the container's own box is
# checked like any element. A table's wrapper is not marked: a table must fit.
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "");
  const found = [];
  if (document.documentElement.scrollWidth > width) found.push("page " + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".skip-link, .visually-hidden")) continue;
    const scroller = el.parentElement && el.parentElement.closest("[data-scroll-x]");
    if (scroller && ["auto", "scroll"].includes(getComputedStyle(scroller).overflowX)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -0.5 || box.right > width + 0.5) found.push(name(el) + " " + Math.round(box.right));
  }
  const context = document.createElement("canvas").getContext("2d");
  for (const select of document.querySelectorAll("select")) {
    if (select.getClientRects().length === 0) continue;  // not shown (a closed menu)
    const style = getComputedStyle(select);
    context.font = style.font;
    const text = select.selectedOptions[0] ? select.selectedOptions[0].text : "";
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
    if (context.measureText(text).width > room) found.push(name(select) + " cuts " + JSON.stringify(text)
      + ` (${Math.round(context.measureText(text).width)} px in ${Math.round(room)} px)`);
  }
  return found;
}"""


def pick(scope: Page | Locator, label: str, typed: str, option: str) -> None:
    """Choose ``option`` in the searchable picker labelled ``label`` (inputs.picker) by typing
    ``typed`` and clicking the suggestion."""
    box = scope.get_by_role("combobox", name=label)
    box.fill(typed)
    scope.locator(f'[role=option][data-label="{option}"]').click()
    expect(box).to_have_value(option)
