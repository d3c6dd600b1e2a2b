"""The kiosk's one door: every action a volunteer, a phone, the command line or the uploader takes
goes through here, so its rules (and, later, who may do it) are checked in one place."""

from kiosk.service.kiosk import DeviceCards, Enrollment, EnrollRequest, Kiosk
from kiosk.storage import StoredMember  # what the door hands back: a stored sign-up

__all__ = ["DeviceCards", "EnrollRequest", "Enrollment", "Kiosk", "StoredMember"]
