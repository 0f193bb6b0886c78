"""Internal customers (CH8): colleagues who write in from the company's own addresses are
customers too — internal ones, of their department. See docs/internal-customers.md.

`profile_defaults` is registered with rapport.customers: every new profile written from an
e-mail address (any channel: mail, the contact form, the API) passes through it, so other
departments raise requests through the same channels as everyone else and are recognised.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from rapport.customers.actions import do_update_customer, organisation_named
from rapport.customers.models import Customer, CustomerKind, Identity
from rapport.lib.channels import IdentityKind

from .models import Department

CACHE_KEY = "sideconv:department-entries"


def _table() -> dict[str, tuple[int, int | None]]:
    """entry (domain or address) → (department id, organisation id), cached: read for every
    new profile, changed rarely (saving a department clears it)."""
    table = cache.get(CACHE_KEY)
    if table is None:
        table = {}
        for dept in Department.objects.order_by("name"):
            for entry in dept.entries():
                table.setdefault(entry, (dept.pk, dept.organisation_id))
        cache.set(CACHE_KEY, table, 300)
    return table


def forget() -> None:
    cache.delete(CACHE_KEY)


def department_of(address: str) -> tuple[int, int | None] | None:
    """The department an e-mail address belongs to: the address itself if listed, else the
    longest listed domain it is in (anna@kiev.warehouse.example.com is in
    warehouse.example.com before example.com)."""
    address = (address or "").strip().lower()
    if "@" not in address:
        return None
    table = _table()
    if not table:
        return None
    if address in table:
        return table[address]
    labels = address.rsplit("@", 1)[1].split(".")
    for n in range(len(labels) - 1):  # never a bare top-level domain
        found = table.get(".".join(labels[n:]))
        if found:
            return found
    return None


def profile_defaults(kind: str, value: str) -> dict:
    """Fields of a new customer profile reachable at (kind, value): internal, with their
    department as organisation, when the address is the company's own."""
    if kind != IdentityKind.EMAIL:
        return {}
    found = department_of(value)
    if found is None:
        return {}
    _dept_id, organisation_id = found
    return {"kind": CustomerKind.INTERNAL, "organisation_id": organisation_id}


def do_save_department(dept: Department) -> Department:
    """Save a department; its organisation (named after it) is created on the way."""
    with transaction.atomic():
        if dept.organisation_id is None:
            dept.organisation = organisation_named(dept.name)
        dept.save()
    transaction.on_commit(forget)
    forget()
    return dept


def do_apply_department(dept: Department, *, actor) -> int:
    """Mark the existing profiles written from this department's addresses as its internal
    customers (profiles created before the department was entered). Returns how many changed."""
    entries = dept.entries()
    if not entries:
        return 0
    changed = 0
    identities = Identity.objects.filter(kind=IdentityKind.EMAIL).select_related("customer")
    emails = identities.filter(value__in=[e for e in entries if "@" in e])
    domains = [e for e in entries if "@" not in e]
    candidates = {i.customer_id: i for i in emails}
    for domain in domains:
        for identity in identities.filter(value__iendswith=f"@{domain}")[:10000]:
            candidates.setdefault(identity.customer_id, identity)
        for identity in identities.filter(value__iendswith=f".{domain}")[:10000]:
            candidates.setdefault(identity.customer_id, identity)
    for identity in candidates.values():
        customer: Customer = identity.customer
        found = department_of(identity.value)
        if customer.merged_into_id or found is None or found[0] != dept.pk:
            continue  # a more specific entry names another department
        fields = {}
        if customer.kind != CustomerKind.INTERNAL:
            fields["kind"] = CustomerKind.INTERNAL
        if customer.organisation_id is None and dept.organisation_id:
            fields["organisation"] = dept.organisation
        if fields:
            do_update_customer(customer, actor=actor, **fields)
            changed += 1
    return changed
