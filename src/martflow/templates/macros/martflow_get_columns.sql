{#- Installed by martflow (do not edit: it is replaced when outdated).
    Logs, as one line prefixed "martflow-columns:", the JSON list of
    {"schema", "table", "found", "columns": [{"name", "data_type"}]} for each relation,
    looked up through the adapter so it works on any dbt warehouse. -#}
{% macro martflow_get_columns(relations) %}
  {%- set found = [] -%}
  {%- for rel in relations -%}
    {%- set relation = adapter.get_relation(
          database=rel.get('database') or target.database,
          schema=rel['schema'],
          identifier=rel['table']) -%}
    {%- set columns = [] -%}
    {%- if relation is not none -%}
      {%- for column in adapter.get_columns_in_relation(relation) -%}
        {#- data_type pads strings with a default size (varchar(256)); dtype does not -#}
        {%- set data_type = column.dtype if column.is_string() else column.data_type -%}
        {%- do columns.append({'name': column.name, 'data_type': data_type}) -%}
      {%- endfor -%}
    {%- endif -%}
    {%- do found.append({
          'schema': rel['schema'],
          'table': rel['table'],
          'found': relation is not none,
          'columns': columns}) -%}
  {%- endfor -%}
  {{ log('martflow-columns:' ~ tojson(found), info=True) }}
{% endmacro %}
