from enum import StrEnum


class ListPostsSort(StrEnum):
    CREATED_AT = "created_at"
    TITLE = "title"
    UPDATED_AT = "updated_at"
    VALUE_1 = "-created_at"
    VALUE_3 = "-updated_at"
    VALUE_5 = "-title"

    def __str__(self) -> str:
        return str(self.value)
