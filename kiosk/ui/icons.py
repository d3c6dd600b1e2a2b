"""Icons of the occupation groups (large buttons on the enroll screen)."""

import flet as ft

GROUP_ICONS = {
    "truck_driver": ft.Icons.LOCAL_SHIPPING, "courier": ft.Icons.LOCAL_POST_OFFICE,
    "care_worker": ft.Icons.ELDERLY, "domestic_worker": ft.Icons.CLEANING_SERVICES,
    "mall_staff": ft.Icons.STOREFRONT, "food_delivery": ft.Icons.DELIVERY_DINING,
    "estate_agent": ft.Icons.HOME_WORK, "security_guard": ft.Icons.SECURITY,
    "ride_hailing": ft.Icons.LOCAL_TAXI, "other_new_form": ft.Icons.WORK,
    "not_eight_groups": ft.Icons.PERSON,
}
