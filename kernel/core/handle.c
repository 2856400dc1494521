/*
 * handle.c - a process's handle table (<mango/handle.h>; invariants
 * [H1]-[H3] there).
 */
#include <mango/handle.h>
#include <mango/panic.h>
#include <mango/string.h>

void handle_table_init(struct handle_table *ht)
{
	memset(ht, 0, sizeof(*ht));
}

kern_status_t handle_alloc(struct handle_table *ht, struct object *obj, uint32_t rights,
			   int *out)
{
	if (!ht || !obj || !out || (rights & ~(uint32_t)HANDLE_RIGHTS_ALL))
		return KERN_INVALID_ARGUMENT;
	for (int h = 1; h < HANDLE_TABLE_SIZE; h++) {
		struct handle *slot = &ht->ht_slots[h];

		if (slot->h_object)
			continue;
		object_get(obj);
		slot->h_object = obj;
		slot->h_rights = rights;
		ht->ht_used++;
		*out = h;
		return KERN_OK;
	}
	return KERN_NO_MEMORY;
}

/* slot_of - the used slot @h names, or NULL (any value a process may pass). */
static struct handle *slot_of(struct handle_table *ht, int64_t h)
{
	if (!ht || h <= HANDLE_INVALID || h >= HANDLE_TABLE_SIZE)
		return NULL;
	return ht->ht_slots[h].h_object ? &ht->ht_slots[h] : NULL;
}

kern_status_t handle_get(struct handle_table *ht, int64_t h, const struct object_type *type,
			 uint32_t rights, struct object **out)
{
	struct handle *slot = slot_of(ht, h);

	if (!slot || !out || (type && slot->h_object->ob_type != type))
		return KERN_INVALID_ARGUMENT;
	if ((slot->h_rights & rights) != rights)
		return KERN_ACCESS_DENIED;
	object_get(slot->h_object);
	*out = slot->h_object;
	return KERN_OK;
}

kern_status_t handle_close(struct handle_table *ht, int64_t h)
{
	struct handle *slot = slot_of(ht, h);
	struct object *obj;

	if (!slot)
		return KERN_INVALID_ARGUMENT;
	obj = slot->h_object;
	slot->h_object = NULL;
	slot->h_rights = 0;
	ht->ht_used--;
	object_put(obj);
	return KERN_OK;
}

void handle_table_close_all(struct handle_table *ht)
{
	for (int h = 1; h < HANDLE_TABLE_SIZE; h++)
		if (ht->ht_slots[h].h_object)
			handle_close(ht, h);
}

void handle_table_check(const struct handle_table *ht)
{
	size_t used = 0;

	if (ht->ht_slots[HANDLE_INVALID].h_object || ht->ht_slots[HANDLE_INVALID].h_rights)
		panic("[H1] handle 0 is in use");
	for (int h = 1; h < HANDLE_TABLE_SIZE; h++) {
		const struct handle *slot = &ht->ht_slots[h];

		if (!slot->h_object && slot->h_rights)
			panic("[H2] free handle %d has rights 0x%x", h, slot->h_rights);
		if (slot->h_object && (slot->h_rights & ~(uint32_t)HANDLE_RIGHTS_ALL))
			panic("[H2] handle %d has unknown rights 0x%x", h, slot->h_rights);
		used += slot->h_object != NULL;
	}
	if (used != ht->ht_used)
		panic("[H3] %zu handles in use, the table counts %zu", used, ht->ht_used);
}
