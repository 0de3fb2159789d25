"""Which roles may open which workspace pages."""

from ordermgmt.roles import Role

# Order managers oversee agents' work, so they may use the agent pages too.
AGENT_ROLES: tuple[Role, ...] = (Role.ORDER_AGENT, Role.ORDER_MANAGER)
APPROVER_ROLES: tuple[Role, ...] = (Role.ORDER_APPROVER,)
FULFILLMENT_ROLES: tuple[Role, ...] = (Role.FULFILLMENT_AGENT,)
# Every staff role that follows orders may read an order's page; customers may not.
ORDER_READER_ROLES: tuple[Role, ...] = (
    Role.ORDER_AGENT,
    Role.ORDER_APPROVER,
    Role.ORDER_MANAGER,
    Role.FULFILLMENT_AGENT,
    Role.FULFILLMENT_MANAGER,
    Role.FALLOUT_AGENT,
    Role.FALLOUT_MANAGER,
)
FULFILLMENT_MANAGER_ROLES: tuple[Role, ...] = (Role.FULFILLMENT_MANAGER,)
ORDER_MANAGER_ROLES: tuple[Role, ...] = (Role.ORDER_MANAGER,)
# Fallout agents and managers work fallouts; managers also see every group and reassign.
FALLOUT_ROLES: tuple[Role, ...] = (Role.FALLOUT_AGENT, Role.FALLOUT_MANAGER)
FALLOUT_MANAGER_ROLES: tuple[Role, ...] = (Role.FALLOUT_MANAGER,)
