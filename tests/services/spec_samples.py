"""One spec the spec-draft and spec-editor tests both build and expect."""

from __future__ import annotations

from martflow.core.models import ColumnRef, JoinSpec, Measure, SourceRef, TicketSpec

EXPECTED = TicketSpec(  # customer orders, as the editor's choices describe it
    sources=(SourceRef("shop", "orders"), SourceRef("shop", "customers")),
    mart="customer_orders",
    kind="fact",
    grain=(ColumnRef("customers", "customer_id"),),
    joins=(JoinSpec(ColumnRef("orders", "customer_id"), ColumnRef("customers", "customer_id")),),
    dimensions=(ColumnRef("customers", "first_name"),),
    measures=(Measure("order_count", "count", ColumnRef("orders", "order_id"), distinct=True),),
    dashboard="Customer orders",
)
