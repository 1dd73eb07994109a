from enum import StrEnum


class ListTasksSort(StrEnum):
    CREATED_AT = "created_at"
    DONE = "done"
    TITLE = "title"
    VALUE_1 = "-title"
    VALUE_3 = "-created_at"
    VALUE_5 = "-done"

    def __str__(self) -> str:
        return str(self.value)
