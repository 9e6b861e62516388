with source as (

    select * from {{ '{{' }} source('{{ cookiecutter.source }}', '{{ cookiecutter.table }}') {{ '}}' }}

),

renamed as (

    select distinct
{%- for col in cookiecutter.columns %}
        {% if col.cast %}cast({{ col.source }} as {{ col.cast }}) as {{ col.name }}{% elif col.source != col.name %}{{ col.source }} as {{ col.name }}{% else %}{{ col.name }}{% endif %}{% if not loop.last %},{% endif %}
{%- endfor %}
    from source

)

select * from renamed
