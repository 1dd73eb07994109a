from enum import StrEnum


class AdminListUsersSort(StrEnum):
    CREATED_AT = "created_at"
    LAST_SEEN = "last_seen"
    USERNAME = "username"
    VALUE_1 = "-username"
    VALUE_3 = "-created_at"
    VALUE_5 = "-last_seen"

    def __str__(self) -> str:
        return str(self.value)
