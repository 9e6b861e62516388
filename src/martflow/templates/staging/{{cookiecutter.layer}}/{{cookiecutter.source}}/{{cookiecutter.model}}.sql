with source as (

    select * from {{ '{{' }} source('{{ cookiecutter.source }}', '{{ cookiecutter.table }}') {{ '}}' }}

),
{%- if cookiecutter.salt %}

pii_salt as (

    -- The salt is a session setting (never in this file): see martflow's docs/pii.md.
    select
        {{ cookiecutter.salt }} as salt

),
{%- endif %}

renamed as (

    select distinct
{%- for col in cookiecutter.columns %}
        {% if col.expr != col.name %}{{ col.expr }} as {{ col.name }}{% else %}{{ col.name }}{% endif %}{% if not loop.last %},{% endif %}
{%- endfor %}
    from source
{%- if cookiecutter.soft_delete %}
    {%- if cookiecutter.soft_delete.kind == 'flag' %}
    where not coalesce({{ cookiecutter.soft_delete.source }}, false)
    {%- else %}
    where {{ cookiecutter.soft_delete.source }} is null
    {%- endif %}
{%- endif %}

)

select * from renamed
