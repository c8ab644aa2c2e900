/* mimic-command.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "mimic-command"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "mimic-command-manager.h"
#include "mimic-command-private.h"
#include "mimic-json.h"

struct _MimicCommand
{
  GObject            parent_instance;

  char              *id;
  char              *device_id;
  char              *name;
  char              *arguments_json;
  char              *operator_name;
  double             timeout_s;
  gint64             created_us;
  MimicCommandState  state;
  char              *reason;
};

G_DEFINE_FINAL_TYPE (MimicCommand, mimic_command, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DEVICE_ID,
  PROP_NAME,
  PROP_ARGUMENTS_JSON,
  PROP_OPERATOR_NAME,
  PROP_TIMEOUT,
  PROP_STATE,
  PROP_REASON,
  PROP_FINISHED,
  N_PROPS
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GType
mimic_command_state_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { MIMIC_COMMAND_STATE_VALIDATED, "MIMIC_COMMAND_STATE_VALIDATED", "validated" },
    { MIMIC_COMMAND_STATE_SENT, "MIMIC_COMMAND_STATE_SENT", "sent" },
    { MIMIC_COMMAND_STATE_ACKNOWLEDGED, "MIMIC_COMMAND_STATE_ACKNOWLEDGED", "acknowledged" },
    { MIMIC_COMMAND_STATE_REJECTED, "MIMIC_COMMAND_STATE_REJECTED", "rejected" },
    { MIMIC_COMMAND_STATE_TIMED_OUT, "MIMIC_COMMAND_STATE_TIMED_OUT", "timed-out" },
    { MIMIC_COMMAND_STATE_EXPIRED, "MIMIC_COMMAND_STATE_EXPIRED", "expired" },
    { MIMIC_COMMAND_STATE_CANCELLED, "MIMIC_COMMAND_STATE_CANCELLED", "cancelled" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("MimicCommandState"), values));

  return type;
}

const char *
mimic_command_state_to_string (MimicCommandState state)
{
  switch (state)
    {
    case MIMIC_COMMAND_STATE_VALIDATED: return "validated";
    case MIMIC_COMMAND_STATE_SENT: return "sent";
    case MIMIC_COMMAND_STATE_ACKNOWLEDGED: return "acknowledged";
    case MIMIC_COMMAND_STATE_REJECTED: return "rejected";
    case MIMIC_COMMAND_STATE_TIMED_OUT: return "timed-out";
    case MIMIC_COMMAND_STATE_EXPIRED: return "expired";
    case MIMIC_COMMAND_STATE_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

const char *
mimic_command_state_to_label (MimicCommandState state)
{
  switch (state)
    {
    case MIMIC_COMMAND_STATE_VALIDATED: return _("Pending");
    case MIMIC_COMMAND_STATE_SENT: return _("Sent, waiting for the device");
    case MIMIC_COMMAND_STATE_ACKNOWLEDGED: return _("Acknowledged");
    case MIMIC_COMMAND_STATE_REJECTED: return _("Rejected");
    case MIMIC_COMMAND_STATE_TIMED_OUT: return _("Timed out");
    case MIMIC_COMMAND_STATE_EXPIRED: return _("Expired");
    case MIMIC_COMMAND_STATE_CANCELLED: return _("Cancelled");
    default: return _("Unknown");
    }
}

gboolean
mimic_command_state_is_terminal (MimicCommandState state)
{
  return state != MIMIC_COMMAND_STATE_VALIDATED && state != MIMIC_COMMAND_STATE_SENT;
}

static void
mimic_command_finalize (GObject *object)
{
  MimicCommand *self = MIMIC_COMMAND (object);

  g_free (self->id);
  g_free (self->device_id);
  g_free (self->name);
  g_free (self->arguments_json);
  g_free (self->operator_name);
  g_free (self->reason);

  G_OBJECT_CLASS (mimic_command_parent_class)->finalize (object);
}

static void
mimic_command_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MimicCommand *self = MIMIC_COMMAND (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_ARGUMENTS_JSON:
      g_value_set_string (value, self->arguments_json);
      break;
    case PROP_OPERATOR_NAME:
      g_value_set_string (value, self->operator_name);
      break;
    case PROP_TIMEOUT:
      g_value_set_double (value, self->timeout_s);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    case PROP_FINISHED:
      g_value_set_boolean (value, mimic_command_is_finished (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mimic_command_class_init (MimicCommandClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = mimic_command_finalize;
  object_class->get_property = mimic_command_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_DEVICE_ID] = g_param_spec_string ("device-id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_ARGUMENTS_JSON] = g_param_spec_string ("arguments-json", NULL, NULL, NULL, flags);
  properties[PROP_OPERATOR_NAME] = g_param_spec_string ("operator-name", NULL, NULL, NULL, flags);
  properties[PROP_TIMEOUT] = g_param_spec_double ("timeout", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, MIMIC_TYPE_COMMAND_STATE,
                                              MIMIC_COMMAND_STATE_VALIDATED, flags);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, flags);
  properties[PROP_FINISHED] = g_param_spec_boolean ("finished", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted once, when the command reaches its terminal state. */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, MIMIC_TYPE_COMMAND_STATE);
}

static void
mimic_command_init (MimicCommand *self)
{
  self->state = MIMIC_COMMAND_STATE_VALIDATED;
}

MimicCommand *
mimic_command_new (const char *device_id,
                   const char *name,
                   const char *arguments_json,
                   const char *operator_name,
                   double      timeout_s)
{
  MimicCommand *self = g_object_new (MIMIC_TYPE_COMMAND, NULL);

  self->id = g_uuid_string_random ();
  self->device_id = g_strdup (device_id);
  self->name = g_strdup (name);
  self->arguments_json = g_strdup (arguments_json != NULL ? arguments_json : "{}");
  self->operator_name = g_strdup (operator_name);
  self->timeout_s = timeout_s;
  self->created_us = g_get_real_time ();
  return self;
}

void
mimic_command_mark_sent (MimicCommand *self)
{
  g_return_if_fail (MIMIC_IS_COMMAND (self));

  if (self->state != MIMIC_COMMAND_STATE_VALIDATED)
    return;
  self->state = MIMIC_COMMAND_STATE_SENT;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

gboolean
mimic_command_finish (MimicCommand      *self,
                      MimicCommandState  state,
                      const char        *reason)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), FALSE);
  g_return_val_if_fail (mimic_command_state_is_terminal (state), FALSE);

  if (mimic_command_is_finished (self))
    return FALSE;

  self->state = state;
  self->reason = g_strdup (reason);
  if (reason != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, state);
  return TRUE;
}

const char *
mimic_command_get_id (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), NULL);
  return self->id;
}

const char *
mimic_command_get_device_id (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), NULL);
  return self->device_id;
}

const char *
mimic_command_get_name (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), NULL);
  return self->name;
}

const char *
mimic_command_get_arguments_json (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), NULL);
  return self->arguments_json;
}

const char *
mimic_command_get_operator_name (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), NULL);
  return self->operator_name;
}

double
mimic_command_get_timeout (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), 0);
  return self->timeout_s;
}

gint64
mimic_command_get_created_time (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), 0);
  return self->created_us;
}

MimicCommandState
mimic_command_get_state (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), MIMIC_COMMAND_STATE_VALIDATED);
  return self->state;
}

const char *
mimic_command_get_reason (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), NULL);
  return self->reason;
}

gboolean
mimic_command_is_finished (MimicCommand *self)
{
  g_return_val_if_fail (MIMIC_IS_COMMAND (self), FALSE);
  return mimic_command_state_is_terminal (self->state);
}

static gboolean
parse_value (const MimicAssetArgument  *argument,
             const char                *text,
             JsonObject                *into,
             GError                   **error)
{
  char *end = NULL;

  switch (argument->type)
    {
    case MIMIC_ASSET_VALUE_BOOLEAN:
      if (g_strcmp0 (text, "true") == 0 || g_strcmp0 (text, "false") == 0)
        {
          json_object_set_boolean_member (into, argument->name, text[0] == 't');
          return TRUE;
        }
      g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                   _("The argument “%s” must be true or false, not “%s”"), argument->name, text);
      return FALSE;

    case MIMIC_ASSET_VALUE_STRING:
      json_object_set_string_member (into, argument->name, text);
      return TRUE;

    case MIMIC_ASSET_VALUE_INTEGER:
      {
        gint64 number;

        errno = 0;
        number = g_ascii_strtoll (text, &end, 10);
        if (text[0] == '\0' || end == NULL || *end != '\0' || errno != 0)
          {
            g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                         _("The argument “%s” must be an integer, not “%s”"), argument->name, text);
            return FALSE;
          }
        json_object_set_int_member (into, argument->name, number);
        return TRUE;
      }

    case MIMIC_ASSET_VALUE_NUMBER:
    default:
      {
        double number;

        errno = 0;
        number = g_ascii_strtod (text, &end);
        if (text[0] == '\0' || end == NULL || *end != '\0')
          {
            g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                         _("The argument “%s” must be a number, not “%s”"), argument->name, text);
            return FALSE;
          }
        /* Kept as parsed, infinities and NaN included: the manager's
         * check refuses them with the reason an operator needs. */
        json_object_set_double_member (into, argument->name, number);
        return TRUE;
      }
    }
}

JsonObject *
mimic_command_parse_arguments (const MimicAssetCommand  *command,
                               const char * const       *assignments,
                               GError                  **error)
{
  g_autoptr(JsonObject) arguments = json_object_new ();

  g_return_val_if_fail (command != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; assignments != NULL && assignments[i] != NULL; i++)
    {
      const char *equals = strchr (assignments[i], '=');
      g_autofree char *name = NULL;
      const MimicAssetArgument *argument;

      /* Command lines need not be UTF-8; the errors below quote the
       * assignment, and a string argument goes into JSON as it is. */
      if (!g_utf8_validate (assignments[i], -1, NULL))
        {
          g_autofree char *quoted = mimic_json_text_for_message (assignments[i], -1);

          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not UTF-8 text"), quoted);
          return NULL;
        }
      if (equals == NULL || equals == assignments[i])
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not of the form name=value"), assignments[i]);
          return NULL;
        }
      name = g_strndup (assignments[i], equals - assignments[i]);
      argument = mimic_asset_command_get_argument (command, name);
      if (argument == NULL)
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("The command “%s” has no argument “%s”"), command->id, name);
          return NULL;
        }
      if (json_object_has_member (arguments, name))
        {
          g_set_error (error, MIMIC_COMMAND_ERROR, MIMIC_COMMAND_ERROR_INVALID_ARGUMENT,
                       _("The argument “%s” is given twice"), name);
          return NULL;
        }
      if (!parse_value (argument, equals + 1, arguments, error))
        return NULL;
    }

  return g_steal_pointer (&arguments);
}
